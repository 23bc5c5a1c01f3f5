// node-fetch (through @kubernetes/client-node) takes Node's own URL when it exists
// (`Url.URL || whatwgUrl.URL`); on Node 20+ it always does, so the bundles map
// whatwg-url, and its 265 KB of Unicode tables (tr46), to Node's implementation.
'use strict';
const url = require('node:url');
module.exports = { URL: url.URL, URLSearchParams: url.URLSearchParams };
