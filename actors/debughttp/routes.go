package debughttp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/actornode/actornode/actors/node/nodeinfo"
)

// LogLevels is the live set of debug log categories (node.DebugCategories).
type LogLevels interface {
	// Set replaces the set of categories logged at debug level.
	Set(categories []string)
	// List returns the categories logged at debug level.
	List() []string
}

func (s Source) network(w http.ResponseWriter, _ *http.Request) {
	info, err := nodeinfo.Network(s.Root, s.ConnMgr, s.Identity, s.Timeout)
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	writeJSON(w, info)
}

// logState is the answer of /debug/log.
type logState struct {
	// Debug lists the categories logged at debug level ("*": all).
	Debug []string `json:"debug"`
}

func (s Source) logLevels(w http.ResponseWriter, _ *http.Request) {
	if s.Log == nil {
		http.Error(w, "no log categories", http.StatusServiceUnavailable)
		return
	}
	writeJSON(w, s.currentLog())
}

func (s Source) currentLog() logState {
	list := s.Log.List()
	slices.Sort(list)
	if list == nil {
		list = []string{}
	}
	return logState{Debug: list}
}

// logChange is the JSON body of a change to /debug/log; each list is an
// array of names or one comma-separated string.
type logChange struct {
	Debug   *names `json:"debug"`
	Include names  `json:"include"`
	Exclude names  `json:"exclude"`
}

// names are category names given as ["net","addrman"] or "net,addrman".
type names []string

func (n *names) UnmarshalJSON(data []byte) error {
	var one string
	if err := json.Unmarshal(data, &one); err == nil {
		*n = splitList([]string{one})
		return nil
	}
	var list []string
	if err := json.Unmarshal(data, &list); err != nil {
		return fmt.Errorf("want a string or an array of strings: %w", err)
	}
	*n = splitList(list)
	return nil
}

// setLogLevels changes the debug categories at run time, from a JSON body
// {"debug": [...]} replacing the set (["none"] or []: none; ["all"]: every
// category), {"include": [...], "exclude": [...]} adding and removing
// some, as Core's logging RPC does; the same keys also work as query
// parameters. The request must say Content-Type: application/json (the
// guard refuses it otherwise). It answers with the new set.
func (s Source) setLogLevels(w http.ResponseWriter, r *http.Request) {
	if s.Log == nil {
		http.Error(w, "no log categories", http.StatusServiceUnavailable)
		return
	}
	var change logChange
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, fmt.Sprintf("read body: %v", err), http.StatusBadRequest)
		return
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &change); err != nil {
			http.Error(w, fmt.Sprintf("parse body: %v", err), http.StatusBadRequest)
			return
		}
	}
	q := r.URL.Query()
	if _, ok := q["debug"]; ok {
		d := names(splitList(q["debug"]))
		change.Debug = &d
	}
	change.Include = append(change.Include, splitList(q["include"])...)
	change.Exclude = append(change.Exclude, splitList(q["exclude"])...)
	if change.Debug == nil && len(change.Include) == 0 && len(change.Exclude) == 0 {
		http.Error(w, `give {"debug": [CATEGORY, ...]}, {"include": [...]} or {"exclude": [...]}`, http.StatusBadRequest)
		return
	}
	set := s.Log.List()
	if change.Debug != nil {
		set = *change.Debug
	}
	for _, c := range change.Include {
		if !slices.Contains(set, c) {
			set = append(set, c)
		}
	}
	set = slices.DeleteFunc(set, func(c string) bool { return slices.Contains(change.Exclude, c) })
	s.Log.Set(set)
	writeJSON(w, s.currentLog())
}

// splitList splits comma-separated values, lower-cased, dropping empties.
func splitList(values []string) []string {
	var out []string
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			if part = strings.ToLower(strings.TrimSpace(part)); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}
