// Command checker parses an Alloy configuration with Alloy's own parser (github.com/grafana/alloy/syntax,
// Apache-2.0) and prints what it found as JSON: the parse error, or every block (component name,
// label, nested blocks), so a test can hold the names against the pinned Alloy's components.
package main

import (
	"encoding/json"
	"io"
	"os"
	"strings"

	"github.com/grafana/alloy/syntax/ast"
	"github.com/grafana/alloy/syntax/parser"
	"github.com/grafana/alloy/syntax/printer"
)

type block struct {
	Name   string  `json:"name"`
	Label  string  `json:"label,omitempty"`
	Blocks []block `json:"blocks,omitempty"`
	// Each attribute's value as Alloy's own printer writes it back (`"node"`, `discovery.relabel.x.output`).
	Attributes map[string]string `json:"attributes,omitempty"`
}

type result struct {
	Error  string  `json:"error,omitempty"`
	Blocks []block `json:"blocks,omitempty"`
}

func blocks(body ast.Body) ([]block, map[string]string) {
	var found []block
	attributes := map[string]string{}
	for _, stmt := range body {
		switch s := stmt.(type) {
		case *ast.BlockStmt:
			children, attrs := blocks(s.Body)
			found = append(found, block{Name: strings.Join(s.Name, "."), Label: s.Label, Blocks: children, Attributes: attrs})
		case *ast.AttributeStmt:
			var value strings.Builder
			if err := printer.Fprint(&value, s.Value); err != nil {
				panic(err)
			}
			attributes[s.Name.Name] = value.String()
		}
	}
	return found, attributes
}

func main() {
	data, err := io.ReadAll(io.LimitReader(os.Stdin, 16<<20))
	if err != nil {
		panic(err)
	}
	var out result
	file, err := parser.ParseFile("config.alloy", data)
	if err != nil {
		out.Error = err.Error()
	} else {
		out.Blocks, _ = blocks(file.Body)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		panic(err)
	}
}
