package upnp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actornode/actornode/transport/portmap"
)

const rootDesc = `<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0">
 <specVersion><major>1</major><minor>0</minor></specVersion>
 <device>
  <deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:2</deviceType>
  <friendlyName>fake gateway</friendlyName><UDN>uuid:fake-1</UDN>
  <deviceList><device>
   <deviceType>urn:schemas-upnp-org:device:WANDevice:2</deviceType><UDN>uuid:fake-2</UDN>
   <deviceList><device>
    <deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:2</deviceType><UDN>uuid:fake-3</UDN>
    <serviceList><service>
     <serviceType>urn:schemas-upnp-org:service:WANIPConnection:2</serviceType>
     <serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId>
     <SCPDURL>/WANIPCn.xml</SCPDURL><controlURL>/ctl/IPConn</controlURL><eventSubURL>/evt/IPConn</eventSubURL>
    </service></serviceList>
   </device></deviceList>
  </device></deviceList>
 </device>
</root>`

// fakeIGD answers SOAP actions with answer(action, body): the inner XML of
// a response, or a fault code.
type fakeIGD struct {
	mu    sync.Mutex
	calls []string
	// answer returns the response arguments or a UPnP error code.
	answer func(action, body string) (string, int)
}

func (f *fakeIGD) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/rootDesc.xml" {
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, rootDesc)
		return
	}
	body, _ := io.ReadAll(r.Body)
	action := r.Header.Get("SOAPAction")
	action = strings.Trim(action[strings.LastIndex(action, "#")+1:], `"`)
	f.mu.Lock()
	f.calls = append(f.calls, action)
	f.mu.Unlock()
	args, code := f.answer(action, string(body))
	w.Header().Set("Content-Type", `text/xml; charset="utf-8"`)
	const env = `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body>%s</s:Body></s:Envelope>`
	if code != 0 {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, env, fmt.Sprintf(`<s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail><UPnPError xmlns="urn:schemas-upnp-org:control-1-0"><errorCode>%d</errorCode><errorDescription>fake</errorDescription></UPnPError></detail></s:Fault>`, code))
		return
	}
	fmt.Fprintf(w, env, fmt.Sprintf(`<u:%sResponse xmlns:u="urn:schemas-upnp-org:service:WANIPConnection:2">%s</u:%sResponse>`, action, args, action))
}

func (f *fakeIGD) actions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func arg(body, name string) string {
	m := regexp.MustCompile("<" + name + ">([^<]*)</" + name + ">").FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

func startIGD(t *testing.T, answer func(action, body string) (string, int)) (*fakeIGD, *Client) {
	t.Helper()
	f := &fakeIGD{answer: answer}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	loc, _ := url.Parse(srv.URL + "/rootDesc.xml")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := FromURL(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	if c.Service() != "WANIPConnection:2" || c.Gateway() != netip.MustParseAddr("127.0.0.1") || c.LocalAddr() != netip.MustParseAddr("127.0.0.1") {
		t.Fatalf("client: service %s gateway %s local %s", c.Service(), c.Gateway(), c.LocalAddr())
	}
	return f, c
}

// gateway answers as a working IGD, with overrides per action.
func gateway(over map[string]func(body string) (string, int)) func(string, string) (string, int) {
	return func(action, body string) (string, int) {
		if f := over[action]; f != nil {
			return f(body)
		}
		switch action {
		case "GetExternalIPAddress":
			return "<NewExternalIPAddress>1.2.3.4</NewExternalIPAddress>", 0
		case "AddPortMapping", "DeletePortMapping":
			return "", 0
		}
		return "", 401
	}
}

func TestMapAndDelete(t *testing.T) {
	var client string
	f, c := startIGD(t, gateway(map[string]func(string) (string, int){
		"AddPortMapping": func(body string) (string, int) {
			client = arg(body, "NewInternalClient") + " lease " + arg(body, "NewLeaseDuration")
			return "", 0
		},
	}))
	m, err := c.MapTCP(context.Background(), 8333, 0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if m.External != netip.MustParseAddrPort("1.2.3.4:8333") || m.Lifetime != time.Hour || m.Protocol != portmap.UPnP || m.HasEpoch {
		t.Fatalf("mapping %+v", m)
	}
	if client != "127.0.0.1 lease 3600" {
		t.Fatalf("internal client and lease %q", client)
	}
	if err := c.DeleteTCP(context.Background(), 8333); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.actions(), ","); got != "GetExternalIPAddress,AddPortMapping,DeletePortMapping" {
		t.Fatalf("actions %s", got)
	}
}

func TestConflictTakesAnyPort(t *testing.T) {
	f, c := startIGD(t, gateway(map[string]func(string) (string, int){
		"AddPortMapping":    func(string) (string, int) { return "", FaultConflict },
		"AddAnyPortMapping": func(string) (string, int) { return "<NewReservedPort>40000</NewReservedPort>", 0 },
	}))
	m, err := c.MapTCP(context.Background(), 8333, 8333, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if m.External.Port() != 40000 {
		t.Fatalf("mapped %v, want the reserved port 40000", m.External)
	}
	if got := f.actions(); got[len(got)-1] != "AddAnyPortMapping" {
		t.Fatalf("actions %v", got)
	}
}

func TestOnlyPermanentLeases(t *testing.T) {
	_, c := startIGD(t, gateway(map[string]func(string) (string, int){
		"AddPortMapping": func(body string) (string, int) {
			if arg(body, "NewLeaseDuration") != "0" {
				return "", FaultOnlyPermanentLeases
			}
			return "", 0
		},
	}))
	m, err := c.MapTCP(context.Background(), 8333, 8333, time.Hour)
	if err != nil || m.Lifetime != 0 {
		t.Fatalf("mapping %+v, %v: want a permanent lease", m, err)
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name string
		over map[string]func(string) (string, int)
		want error
		code int
	}{
		{"not authorized", map[string]func(string) (string, int){
			"AddPortMapping": func(string) (string, int) { return "", FaultNotAuthorized }}, portmap.ErrRefused, 606},
		{"action failed", map[string]func(string) (string, int){
			"AddPortMapping": func(string) (string, int) { return "", FaultActionFailed }}, portmap.ErrNoPublicAddress, 501},
		{"empty external address", map[string]func(string) (string, int){
			"GetExternalIPAddress": func(string) (string, int) { return "<NewExternalIPAddress></NewExternalIPAddress>", 0 }}, portmap.ErrNoPublicAddress, 0},
		{"private external address", map[string]func(string) (string, int){
			"GetExternalIPAddress": func(string) (string, int) { return "<NewExternalIPAddress>10.0.0.1</NewExternalIPAddress>", 0 }}, portmap.ErrNoPublicAddress, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := startIGD(t, gateway(tt.over))
			_, err := c.MapTCP(context.Background(), 8333, 8333, time.Hour)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			var fe *FaultError
			if tt.code != 0 && (!errors.As(err, &fe) || fe.Code != tt.code) {
				t.Fatalf("err %v, want fault %d", err, tt.code)
			}
		})
	}
}

func TestDeleteOfMissingMappingIsNoError(t *testing.T) {
	_, c := startIGD(t, gateway(map[string]func(string) (string, int){
		"DeletePortMapping": func(string) (string, int) { return "", FaultNoSuchEntry },
	}))
	if err := c.DeleteTCP(context.Background(), 8333); err != nil {
		t.Fatalf("delete: %v", err)
	}
}
