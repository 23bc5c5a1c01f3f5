// Command checker runs Argo CD's notification engine (github.com/argoproj/notifications-engine, the
// version Argo CD 3.6 pins) over our rendered argocd-notifications-cm and its Secret, the way Argo
// CD's notifications controller does: the engine's own controller, its oncePer bookkeeping in the
// Application's annotations, its e-mail and Slack services. Only the cluster is a fake (client-go's
// fake clients), and Argo CD's two additions to the engine are reproduced here: the template
// variables (app, context, secrets) and the skip of an Application whose sync status is older than
// its last operation (notification_controller/controller/controller.go, isAppSyncStatusRefreshed).
//
// Input (stdin, JSON): {"namespace", "configMap": {name: value}, "secret": {name: value},
// "steps": [Application, ...]}: each step is one state of one Application; its metadata and status
// replace the previous state's, keeping the annotations the controller wrote (what it has sent).
// Output (stdout): one JSON line per delivery decision: {"step", "app", "trigger", "service",
// "recipient", "alreadyNotified"}, and {"step", "error"} for a failure the engine reports.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/argoproj/notifications-engine/pkg/api"
	"github.com/argoproj/notifications-engine/pkg/controller"
	"github.com/argoproj/notifications-engine/pkg/services"
	log "github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic/dynamicinformer"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"sigs.k8s.io/yaml"
)

type request struct {
	Namespace string                   `json:"namespace"`
	ConfigMap map[string]string        `json:"configMap"`
	Secret    map[string]string        `json:"secret"`
	Steps     []map[string]interface{} `json:"steps"`
}

type decision struct {
	Step            int    `json:"step"`
	App             string `json:"app,omitempty"`
	Trigger         string `json:"trigger,omitempty"`
	Service         string `json:"service,omitempty"`
	Recipient       string `json:"recipient,omitempty"`
	AlreadyNotified bool   `json:"alreadyNotified"`
	Error           string `json:"error,omitempty"`
}

var applications = schema.GroupVersionResource{Group: "argoproj.io", Version: "v1alpha1", Resource: "applications"}

const stepAnnotation = "checker.gitops-stack.local/step"

func main() {
	log.SetOutput(os.Stderr)
	log.SetLevel(log.WarnLevel)
	if level, err := log.ParseLevel(os.Getenv("CHECKER_LOG")); err == nil {
		log.SetLevel(level)
	}
	// The engine logs a trigger condition it cannot evaluate (and goes on as if false): that is a failure here.
	log.AddHook(errorHook{})
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fail(err)
	}
	ns := req.Namespace
	secretData := map[string][]byte{}
	for k, v := range req.Secret {
		secretData[k] = []byte(v)
	}
	kube := kubefake.NewSimpleClientset(
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "argocd-notifications-cm", Namespace: ns}, Data: req.ConfigMap},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "argocd-notifications-secret", Namespace: ns}, Data: secretData},
	)
	kubeInformers := informers.NewSharedInformerFactoryWithOptions(kube, 0, informers.WithNamespace(ns))
	cmInformer := kubeInformers.Core().V1().ConfigMaps().Informer()
	secretInformer := kubeInformers.Core().V1().Secrets().Informer()

	scheme := runtime.NewScheme()
	dynamic := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(scheme, map[schema.GroupVersionResource]string{applications: "ApplicationList"})
	appInformer := dynamicinformer.NewFilteredDynamicSharedInformerFactory(dynamic, 0, ns, nil).ForResource(applications).Informer()

	settings := api.Settings{ConfigMapName: "argocd-notifications-cm", SecretName: "argocd-notifications-secret", InitGetVars: argoCdVars}
	factory := api.NewFactory(settings, ns, secretInformer, cmInformer)

	processed := make(chan int, 1024)
	ctrl := controller.NewController(dynamic.Resource(applications), appInformer, factory,
		controller.WithSkipProcessing(func(obj metav1.Object) (bool, string) {
			return !syncStatusRefreshed(obj.(*unstructured.Unstructured)), "sync status out of date"
		}),
		controller.WithEventCallback(func(events controller.NotificationEventSequence) {
			step := -1
			if events.Resource != nil {
				fmt.Sscan(events.Resource.GetAnnotations()[stepAnnotation], &step)
			}
			for _, d := range events.Delivered {
				emit(decision{Step: step, App: events.Resource.GetName(), Trigger: d.Trigger, Service: d.Destination.Service, Recipient: d.Destination.Recipient, AlreadyNotified: d.AlreadyNotified})
			}
			for _, e := range append(events.Errors, events.Warnings...) {
				emit(decision{Step: step, Error: e.Error()})
			}
			processed <- step
		}))

	stop := make(chan struct{})
	go kubeInformers.Start(stop)
	go appInformer.Run(stop)
	go ctrl.Run(1, stop)
	for !cmInformer.HasSynced() || !secretInformer.HasSynced() || !appInformer.HasSynced() {
		time.Sleep(10 * time.Millisecond)
	}

	ctx := context.Background()
	for i, step := range req.Steps {
		obj := &unstructured.Unstructured{Object: step}
		obj.SetNamespace(ns)
		annotations := obj.GetAnnotations()
		if annotations == nil {
			annotations = map[string]string{}
		}
		client := dynamic.Resource(applications).Namespace(ns)
		current, err := client.Get(ctx, obj.GetName(), metav1.GetOptions{})
		if err == nil {
			// What the controller recorded as sent stays, as on a real Application.
			for k, v := range current.GetAnnotations() {
				if _, given := annotations[k]; !given && k != stepAnnotation {
					annotations[k] = v
				}
			}
		}
		annotations[stepAnnotation] = fmt.Sprint(i)
		obj.SetAnnotations(annotations)
		if err == nil {
			obj.SetResourceVersion(current.GetResourceVersion())
			_, err = client.Update(ctx, obj, metav1.UpdateOptions{})
		} else {
			_, err = client.Create(ctx, obj, metav1.CreateOptions{})
		}
		if err != nil {
			fail(err)
		}
		waitFor(processed, i)
	}
	close(stop)
}

// waitFor returns once the controller has processed step i and then been idle for a moment (its own
// annotation patch makes it process the object once more, which must send nothing new).
func waitFor(processed chan int, i int) {
	deadline := time.After(20 * time.Second)
	seen := false
	for {
		select {
		case step := <-processed:
			if step == i {
				seen = true
			}
		case <-time.After(300 * time.Millisecond):
			if seen {
				return
			}
		case <-deadline:
			fail(fmt.Errorf("step %d was not processed within 20 s", i))
		}
	}
}

// argoCdVars gives templates what Argo CD gives them: the Application, the `context` entry of the
// ConfigMap, and the Secret's values.
func argoCdVars(_ *api.Config, configMap *corev1.ConfigMap, secret *corev1.Secret) (api.GetVars, error) {
	context := map[string]string{}
	if text, ok := configMap.Data["context"]; ok {
		if err := yaml.Unmarshal([]byte(text), &context); err != nil {
			return nil, err
		}
	}
	return func(obj map[string]interface{}, dest services.Destination) map[string]interface{} {
		return map[string]interface{}{
			"app": obj, "context": context, "secrets": secret.Data, "serviceType": dest.Service,
			// Argo CD's expression helpers (util/notification/expression): the catalog's triggers use time.
			"time":    timeHelpers,
			"strings": map[string]interface{}{"ReplaceAll": strings.ReplaceAll, "ToUpper": strings.ToUpper, "ToLower": strings.ToLower},
		}
	}, nil
}

// timeHelpers are Argo CD's `time` expression helpers (util/notification/expression/time), the ones
// the catalog's triggers call: Parse (RFC 3339, panics on a bad time, as Argo CD's does), Now, durations.
var timeHelpers = map[string]interface{}{
	"Parse": func(timestamp string) time.Time {
		t, err := time.Parse(time.RFC3339, timestamp)
		if err != nil {
			panic(err)
		}
		return t
	},
	"Now":         time.Now,
	"Nanosecond":  time.Nanosecond,
	"Microsecond": time.Microsecond,
	"Millisecond": time.Millisecond,
	"Second":      time.Second,
	"Minute":      time.Minute,
	"Hour":        time.Hour,
	"RFC3339":     time.RFC3339,
}

// syncStatusRefreshed is Argo CD's isAppSyncStatusRefreshed: after an operation ends, an Application
// is processed only once its sync status has been reconciled again.
func syncStatusRefreshed(app *unstructured.Unstructured) bool {
	phase, ok, _ := unstructured.NestedString(app.Object, "status", "operationState", "phase")
	if !ok || (phase != "Failed" && phase != "Error" && phase != "Succeeded") {
		return true
	}
	at := func(fields ...string) time.Time {
		text, _, _ := unstructured.NestedString(app.Object, fields...)
		t, _ := time.Parse(time.RFC3339, text)
		return t
	}
	finished := at("status", "operationState", "finishedAt")
	if finished.IsZero() {
		return false
	}
	return !(finished.After(at("status", "reconciledAt")) && finished.After(at("status", "observedAt")))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "checker:", err)
	os.Exit(1)
}

// errorHook prints every error the engine logs as a decision with an error, so none passes unseen.
type errorHook struct{}

func (errorHook) Levels() []log.Level {
	return []log.Level{log.PanicLevel, log.FatalLevel, log.ErrorLevel}
}

func (errorHook) Fire(entry *log.Entry) error {
	emit(decision{Step: -1, Error: entry.Message})
	return nil
}

var out = struct {
	sync.Mutex
	*json.Encoder
}{Encoder: json.NewEncoder(os.Stdout)}

// emit prints one decision as one JSON line; the controller's goroutine and the log hook both write.
func emit(d decision) {
	out.Lock()
	defer out.Unlock()
	_ = out.Encode(d)
}
