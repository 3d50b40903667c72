package debughttp

import (
	"fmt"
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

// setLogLevels changes the debug categories at run time: ?debug=net,addrman
// replaces the set (debug=none or an empty value: none; debug=all: every
// category); ?include=net and ?exclude=net add and remove single ones, as
// Core's logging RPC does. It answers with the new set.
func (s Source) setLogLevels(w http.ResponseWriter, r *http.Request) {
	if s.Log == nil {
		http.Error(w, "no log categories", http.StatusServiceUnavailable)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, fmt.Sprintf("parse form: %v", err), http.StatusBadRequest)
		return
	}
	_, replace := r.Form["debug"]
	include, exclude := splitList(r.Form["include"]), splitList(r.Form["exclude"])
	if !replace && len(include) == 0 && len(exclude) == 0 {
		http.Error(w, "give debug=CATEGORY,..., include=CATEGORY or exclude=CATEGORY", http.StatusBadRequest)
		return
	}
	set := s.Log.List()
	if replace {
		set = splitList(r.Form["debug"])
	}
	for _, c := range include {
		if !slices.Contains(set, c) {
			set = append(set, c)
		}
	}
	set = slices.DeleteFunc(set, func(c string) bool { return slices.Contains(exclude, c) })
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
