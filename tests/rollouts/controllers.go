// The two controllers' side of a rollout gate, replayed from their own code, for the tests:
//
//	controllers argo    < spec   Argo Rollouts' web metric provider (metricproviders/webmetric:
//	                             Run, parseResponse) and the evaluation of its conditions
//	                             (utils/evaluate: EvaluateResult, EvalCondition) with the expression
//	                             library Argo used (github.com/antonmedv/expr, Debian's package).
//	controllers flagger < spec   Flagger's webhook call (pkg/controller/webhook.go: CallWebhook):
//	                             the payload, the POST, and "success is a status <= 202".
//
// Kubernetes' JSONPath is not packaged: the template's simple "{$.field}" (or "{$}") is applied
// here. Built in GOPATH mode against /usr/share/gocode; no module is downloaded.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/antonmedv/expr"
)

type header struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// The web provider's fields of an AnalysisTemplate metric, and the metric's conditions.
type argoSpec struct {
	URL              string          `json:"url"`
	Method           string          `json:"method"`
	Headers          []header        `json:"headers"`
	Body             string          `json:"body"`
	JSONBody         json.RawMessage `json:"jsonBody"`
	TimeoutSeconds   int             `json:"timeoutSeconds"`
	JSONPath         string          `json:"jsonPath"`
	SuccessCondition string          `json:"successCondition"`
	FailureCondition string          `json:"failureCondition"`
}

type measurement struct {
	Phase  string `json:"phase"` // Successful, Failed, Inconclusive, Error
	Value  string `json:"value"`
	Error  string `json:"error,omitempty"`
	Status int    `json:"status"`
}

func runArgo(spec argoSpec) measurement {
	method := "GET"
	if spec.Method != "" {
		method = spec.Method
	}
	var body io.Reader
	if spec.Body != "" && len(spec.JSONBody) > 0 {
		return measurement{Phase: "Error", Error: "use either Body or JSONBody"}
	} else if (spec.Body != "" || len(spec.JSONBody) > 0) && method == "GET" {
		return measurement{Phase: "Error", Error: "Body/JSONBody can only be used with POST or PUT"}
	}
	if spec.Body != "" {
		body = strings.NewReader(spec.Body)
	} else if len(spec.JSONBody) > 0 {
		body = bytes.NewBuffer(spec.JSONBody)
	}
	request, err := http.NewRequest(method, spec.URL, body)
	if err != nil {
		return measurement{Phase: "Error", Error: err.Error()}
	}
	request.Header = make(http.Header)
	for _, h := range spec.Headers {
		request.Header.Set(h.Key, h.Value)
	}
	if len(spec.JSONBody) > 0 {
		request.Header.Set("Content-Type", "application/json")
	}
	timeout := 10 * time.Second
	if spec.TimeoutSeconds > 0 {
		timeout = time.Duration(spec.TimeoutSeconds) * time.Second
	}
	response, err := (&http.Client{Timeout: timeout}).Do(request)
	if err != nil {
		return measurement{Phase: "Error", Error: err.Error()}
	}
	defer response.Body.Close()
	if response.StatusCode < 200 || response.StatusCode >= 300 {
		return measurement{Phase: "Error", Status: response.StatusCode,
			Error: fmt.Sprintf("received non 2xx response code: %v", response.StatusCode)}
	}
	bodyBytes, err := io.ReadAll(response.Body)
	if err != nil {
		return measurement{Phase: "Error", Error: err.Error()}
	}
	var data any
	if err := json.Unmarshal(bodyBytes, &data); err != nil {
		phase, err := evaluateResult(string(bodyBytes), spec)
		return measurement{Phase: phase, Value: string(bodyBytes), Error: errText(err), Status: response.StatusCode}
	}
	val, ok := simplePath(data, spec.JSONPath)
	if !ok {
		return measurement{Phase: "Error", Status: response.StatusCode,
			Error: "Could not find JSONPath in body"}
	}
	valBytes, _ := json.Marshal(val)
	phase, err := evaluateResult(val, spec)
	return measurement{Phase: phase, Value: string(valBytes), Error: errText(err), Status: response.StatusCode}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// "{$}" or "{$.a.b}": the template's path, as Kubernetes' JSONPath reads these simple forms.
func simplePath(data any, path string) (any, bool) {
	if path == "" {
		path = "{$}"
	}
	if !strings.HasPrefix(path, "{$") || !strings.HasSuffix(path, "}") {
		panic("only {$} and {$.field...} are replayed: " + path)
	}
	inner := strings.TrimSuffix(strings.TrimPrefix(path, "{$"), "}")
	at := data
	for _, step := range strings.Split(inner, ".") {
		if step == "" {
			continue
		}
		m, ok := at.(map[string]any)
		if !ok {
			return nil, false
		}
		if at, ok = m[step]; !ok {
			return nil, false
		}
	}
	return at, true
}

// utils/evaluate.EvaluateResult.
func evaluateResult(result any, spec argoSpec) (string, error) {
	success, failure := false, false
	var err error
	if spec.SuccessCondition != "" {
		if success, err = evalCondition(result, spec.SuccessCondition); err != nil {
			return "Error", err
		}
	}
	if spec.FailureCondition != "" {
		if failure, err = evalCondition(result, spec.FailureCondition); err != nil {
			return "Error", err
		}
	}
	switch {
	case spec.SuccessCondition == "" && spec.FailureCondition == "":
		return "Successful", nil
	case spec.SuccessCondition != "" && spec.FailureCondition == "":
		failure = !success
	case spec.SuccessCondition == "" && spec.FailureCondition != "":
		success = !failure
	}
	if failure {
		return "Failed", nil
	}
	if !failure && !success {
		return "Inconclusive", nil
	}
	return "Successful", nil
}

// utils/evaluate.EvalCondition.
func evalCondition(result any, condition string) (bool, error) {
	env := map[string]any{
		"result": result,
		"isNaN":  math.IsNaN,
		"isInf":  func(f float64) bool { return math.IsInf(f, 0) },
	}
	program, err := expr.Compile(condition, expr.Env(env))
	if err != nil {
		return false, err
	}
	output, err := expr.Run(program, env)
	if err != nil {
		return false, err
	}
	if b, ok := output.(bool); ok {
		return b, nil
	}
	return false, fmt.Errorf("expected bool, but got %T", output)
}

// pkg/apis/flagger/v1beta1.CanaryWebhookPayload.
type canaryWebhookPayload struct {
	Name      string            `json:"name"`
	Namespace string            `json:"namespace"`
	Phase     string            `json:"phase"`
	Checksum  string            `json:"checksum"`
	Metadata  map[string]string `json:"metadata,omitempty"`
}

type flaggerSpec struct {
	URL     string               `json:"url"`
	Timeout string               `json:"timeout"`
	Payload canaryWebhookPayload `json:"payload"`
}

type webhookResult struct {
	Success bool   `json:"success"` // what Flagger takes from the call
	Status  int    `json:"status"`
	Body    string `json:"body"`
	Error   string `json:"error,omitempty"`
}

func runFlagger(spec flaggerSpec) webhookResult {
	payloadBin, err := json.Marshal(spec.Payload)
	if err != nil {
		return webhookResult{Error: err.Error()}
	}
	timeout := spec.Timeout
	if len(timeout) < 2 {
		timeout = "10s"
	}
	t, err := time.ParseDuration(timeout)
	if err != nil {
		return webhookResult{Error: err.Error()}
	}
	req, err := http.NewRequest("POST", spec.URL, bytes.NewBuffer(payloadBin))
	if err != nil {
		return webhookResult{Error: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	r, err := (&http.Client{Timeout: t}).Do(req)
	if err != nil {
		return webhookResult{Error: err.Error()}
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return webhookResult{Error: err.Error()}
	}
	return webhookResult{Success: r.StatusCode <= 202, Status: r.StatusCode, Body: string(b)}
}

func main() {
	in, err := io.ReadAll(os.Stdin)
	if err != nil || len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: controllers argo|flagger < spec.json")
		os.Exit(2)
	}
	var out any
	switch os.Args[1] {
	case "argo":
		var spec argoSpec
		if err := json.Unmarshal(in, &spec); err != nil {
			panic(err)
		}
		out = runArgo(spec)
	case "flagger":
		var spec flaggerSpec
		if err := json.Unmarshal(in, &spec); err != nil {
			panic(err)
		}
		out = runFlagger(spec)
	default:
		os.Exit(2)
	}
	text, _ := json.Marshal(out)
	fmt.Println(string(text))
}
