package node

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/actornode/actornode/protocol"
)

// Config is everything a node is told by its operator: config.yaml, then the
// command line laid over it. Keys equal the bitcoind-style flag names. The zero
// value is not usable: start from DefaultConfig.
type Config struct {
	// Network is mainnet, testnet (testnet3), testnet4, signet or regtest.
	// Default mainnet.
	Network string `yaml:"network"`
	// DataDir holds the node's files, each network's in its own
	// subdirectory as in Core (see DataDirOrDefault). Default
	// ~/.actornode/<network>; "" means that default.
	DataDir string `yaml:"datadir"`

	// Listen accepts inbound connections. Default true; false when Connect is
	// set, as in Core.
	Listen bool `yaml:"listen"`
	// Bind lists the addresses to listen on, "IP" or "IP:port" (the port
	// defaults to Port). Default: 0.0.0.0 and [::] on Port.
	Bind []string `yaml:"bind"`
	// Port is the listening port. 0 means the network's default port.
	Port int `yaml:"port"`

	// Connect, when set, is the only set of peers the node dials ("host:port";
	// the port defaults to the network's). It turns off seeding and the
	// automatic outbound slots, as Core's -connect does.
	Connect []string `yaml:"connect"`
	// AddNode peers are kept connected, reconnecting with backoff.
	AddNode []string `yaml:"addnode"`
	// SeedNode peers ("host:port") are each connected once to ask for
	// addresses, then disconnected, as Core's -seednode. DNS seeding waits
	// 30s for them. Default none.
	SeedNode []string `yaml:"seednode"`
	// MaxConnections bounds the automatic connections, inbound and
	// outbound (feelers and -seednode included; -connect and -addnode are
	// apart), as Core's -maxconnections. Default 125. 0 means none: no
	// outbound slot, no feeler, no -seednode or fixed seed, no inbound
	// slot, and (unless set explicitly) no listening and no DNS seeding, as
	// in Core.
	MaxConnections int `yaml:"maxconnections"`
	// MaxOutbound is the number of automatic full-relay outbound slots
	// filled from the address book, at most MaxConnections (Core:
	// min(8, -maxconnections)). Default 8; 0 turns them off, and the two
	// block-relay-only slots that come with them (Core's
	// min(2, -maxconnections less these), kept across a clean restart in
	// anchors.dat).
	MaxOutbound int `yaml:"maxoutbound"`

	// DNSSeed queries the network's DNS seeds when the address book is thin.
	// Default true.
	DNSSeed bool `yaml:"dnsseed"`
	// DNSSeeds replaces the network's seed names when non-empty.
	DNSSeeds []string `yaml:"dnsseeds"`
	// DNSResolver is "HOST:PORT" of the DNS server used for seeding; "" uses
	// the system's resolver.
	DNSResolver string `yaml:"dnsresolver"`
	// FixedSeeds dials the network's built-in addresses when DNS gives
	// nothing. Default true.
	FixedSeeds bool `yaml:"fixedseeds"`

	// BlocksOnly asks peers not to relay transactions (version relay flag
	// false), like Core's -blocksonly. Default false.
	BlocksOnly bool `yaml:"blocksonly"`
	// RegtestServices, on regtest only, replaces the service bits the node
	// announces (none: see Node's services) with these names (NETWORK,
	// WITNESS, NETWORK_LIMITED, ...), so that tests and the demo can run
	// nodes of ours that dial each other through automatic outbound
	// connections, which require NETWORK and WITNESS of the peer. It is a
	// claim the node does not back (it serves no blocks past genesis),
	// hence refused on any other network. Default none.
	RegtestServices []string `yaml:"regtestservices"`

	// V2Transport speaks BIP324's encrypted v2 transport, as Core's
	// -v2transport: inbound peers are served v1 or v2 on the same port as
	// their first bytes say, outbound peers that advertise NODE_P2P_V2 are
	// dialled v2 first, and NODE_P2P_V2 is announced. Default true.
	V2Transport bool `yaml:"v2transport"`

	// NATPMP maps the listening port on the gateway with PCP, falling back
	// to NAT-PMP, as Core's -natpmp, and advertises the external address
	// and port to peers. Default false here (Core: true): tests and demos
	// must never touch the machine's real gateway, and a node on a server
	// usually has no NAT. Turn it on for a node behind a home router.
	NATPMP bool `yaml:"natpmp"`
	// UPnP maps the listening port with UPnP IGD (after PCP and NAT-PMP
	// when NATPMP is on too). Default false: Core dropped UPnP.
	UPnP bool `yaml:"upnp"`
	// NATPMPGateway is the IP of the gateway to ask with PCP and NAT-PMP;
	// "" means the default route's gateway.
	NATPMPGateway string `yaml:"natpmpgateway"`
	// ExternalIP lists our public addresses, "IP" or "IP:port" (the port
	// defaults to the listening port), advertised to peers ahead of any
	// other, as Core's -externalip. Default none.
	ExternalIP []string `yaml:"externalip"`
	// Discover advertises the routable addresses of local interfaces, as
	// Core's -discover. Default true; it applies only while listening and
	// without ExternalIP, as in Core.
	Discover bool `yaml:"discover"`
	// PortMapLifetime is the lifetime asked of the gateway for the port
	// mapping; it is renewed when half has passed. Default 40m.
	PortMapLifetime time.Duration `yaml:"portmaplifetime"`

	// HandshakeTimeout closes a connection whose version/verack exchange has
	// not finished. Default 60s (Core's -peertimeout).
	HandshakeTimeout time.Duration `yaml:"handshaketimeout"`
	// PingInterval is the time between our pings. Default 2m (Core's
	// PING_INTERVAL).
	PingInterval time.Duration `yaml:"pinginterval"`
	// PingTimeout disconnects a peer that leaves a ping unanswered this long.
	// Default 20m (Core's TIMEOUT_INTERVAL).
	PingTimeout time.Duration `yaml:"pingtimeout"`
	// DialTimeout bounds one outbound connection attempt. Default 5s (Core's
	// -timeout).
	DialTimeout time.Duration `yaml:"timeout"`
	// FeelerInterval is the mean time between feeler connections, which
	// test an address of the book once the outbound slots are full and
	// close after the handshake. Default 2m (Core's FEELER_INTERVAL); 0
	// turns them off.
	FeelerInterval time.Duration `yaml:"feelerinterval"`

	// MaxReceiveBuffer is the per-connection receive limit in KB (1000
	// bytes), as Core's -maxreceivebuffer. Default 5000.
	MaxReceiveBuffer int `yaml:"maxreceivebuffer"`
	// MaxSendBuffer is the per-connection send limit in KB, as Core's
	// -maxsendbuffer. Default 1000.
	MaxSendBuffer int `yaml:"maxsendbuffer"`

	// Debug lists log categories at debug level (Categories: "net",
	// "addrman", "msg", "node", "actor"); "1" or "all" means every
	// category, "0" or "none" none. Another value is an error, as in Core.
	Debug []string `yaml:"debug"`
	// LogFormat is "console" (human-readable, the default) or "json".
	LogFormat string `yaml:"logformat"`
	// LogFile, when set, is a file the log is also appended to (created
	// with mode 0600 if missing); a relative path is in the data directory,
	// as Core's -debuglogfile. SIGHUP reopens it, for logrotate. Default ""
	// (standard error only).
	LogFile string `yaml:"logfile"`

	// Server starts the JSON-RPC server that bitcoin-cli understands, as
	// Core's -server. Default false.
	Server bool `yaml:"server"`
	// RPCBind lists the addresses the RPC server listens on, "IP" or
	// "IP:port" (the port defaults to RPCPort). Default 127.0.0.1 and ::1.
	// An address other than loopback needs RPCAllowIP.
	RPCBind []string `yaml:"rpcbind"`
	// RPCPort is the RPC port. 0 means Core's default for the network:
	// 8332 mainnet, 18332 testnet3, 48332 testnet4, 38332 signet, 18443
	// regtest.
	RPCPort int `yaml:"rpcport"`
	// RPCAllowIP lists the client networks admitted besides loopback, "IP",
	// "IP/bits" or "IP/netmask", as Core's -rpcallowip. Default none.
	RPCAllowIP []string `yaml:"rpcallowip"`
	// RPCUser and RPCPassword are the RPC credentials. Without a password
	// the server writes a cookie file (.cookie in the data directory) at
	// start, removes it at stop, and accepts only it.
	RPCUser     string `yaml:"rpcuser"`
	RPCPassword string `yaml:"rpcpassword"`
	// RPCAuth lists further RPC users, "USER:SALT$HASH" as Core's
	// -rpcauth (share/rpcauth/rpcauth.py makes them), accepted beside the
	// cookie or the password. Default none.
	RPCAuth []string `yaml:"rpcauth"`
	// RPCThreads is how many RPC requests run at once, as Core's
	// -rpcthreads. Default 16.
	RPCThreads int `yaml:"rpcthreads"`
	// RPCWorkQueue is how many RPC requests may wait for a thread; one more
	// is answered 503, as Core's -rpcworkqueue. Default 64.
	RPCWorkQueue int `yaml:"rpcworkqueue"`
	// RPCServerTimeout drops an HTTP client (RPC or debug endpoint) idle
	// this long, as Core's -rpcservertimeout: "30" (seconds, Core's form)
	// or a duration such as "30s". Default 30s.
	RPCServerTimeout time.Duration `yaml:"rpcservertimeout"`

	// DebugAddr is where the debug HTTP endpoint listens. Default
	// 127.0.0.1:8335; "" or "off" turns it off. An address other than
	// loopback needs DebugAllowIP.
	DebugAddr string `yaml:"debugaddr"`
	// DebugAllowIP lists the client networks the debug endpoint admits
	// besides loopback, "IP", "IP/bits" or "IP/netmask", as RPCAllowIP.
	// Default none.
	DebugAllowIP []string `yaml:"debugallowip"`
	// ShutdownTimeout bounds an orderly stop. Default 5s.
	ShutdownTimeout time.Duration `yaml:"shutdowntimeout"`

	// MinimumChainWork replaces the network's minimum chain work (Core's
	// debug option -minimumchainwork): a hex number of up to 64 digits,
	// "0x" allowed, as Core's uint256::FromUserHex reads it. A header
	// chain with less work is first checked with a presync (commitments,
	// then a redownload), the node stays in initial sync and answers
	// getheaders with nothing while its tip is below it. Default "": the
	// network's (Core's nMinimumChainWork); "0" means none. Core reads an
	// empty value as zero; here it means the default.
	MinimumChainWork string `yaml:"minimumchainwork"`
}

// DefaultConfig returns the defaults, in one place.
func DefaultConfig() Config {
	return Config{
		Network:          "mainnet",
		Listen:           true,
		MaxConnections:   125,
		MaxOutbound:      8,
		DNSSeed:          true,
		Discover:         true,
		PortMapLifetime:  40 * time.Minute,
		FixedSeeds:       true,
		V2Transport:      true,
		HandshakeTimeout: 60 * time.Second,
		PingInterval:     2 * time.Minute,
		PingTimeout:      20 * time.Minute,
		DialTimeout:      5 * time.Second,
		FeelerInterval:   2 * time.Minute,
		MaxReceiveBuffer: 5000,
		MaxSendBuffer:    1000,
		LogFormat:        "console",
		DebugAddr:        "127.0.0.1:8335",
		RPCThreads:       16,
		RPCWorkQueue:     64,
		RPCServerTimeout: 30 * time.Second,
		ShutdownTimeout:  5 * time.Second,
	}
}

// MaxBufferKB is the largest -maxreceivebuffer and -maxsendbuffer, in KB:
// Core keeps both limits in bytes in an unsigned int, so 1000 times the
// value must fit in 32 bits.
const MaxBufferKB = math.MaxUint32 / 1000

// ConfigError names the key at fault and what is wrong with it.
type ConfigError struct {
	Key     string
	Problem string
}

func (e *ConfigError) Error() string { return fmt.Sprintf("config %s: %s", e.Key, e.Problem) }

func keyErr(key, format string, args ...any) error {
	return &ConfigError{Key: key, Problem: fmt.Sprintf(format, args...)}
}

// LoadConfigFile lays the YAML file at path over cfg and returns the keys it
// set. Unknown keys are errors: a misspelt key must not be silently ignored.
func LoadConfigFile(path string, cfg *Config) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	keys, err := ParseConfig(data, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return keys, nil
}

// ParseConfig lays YAML over cfg and returns the keys it set; see
// LoadConfigFile.
func ParseConfig(data []byte, cfg *Config) ([]string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse config: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("parse config: line %d: the file must be a mapping of keys to values", top.Line)
	}
	var keys []string
	firstLine := make(map[string]int, len(top.Content)/2)
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		if first, ok := firstLine[k.Value]; ok {
			// yaml would let the last one win without a word.
			return nil, fmt.Errorf("line %d: %w", k.Line,
				keyErr(k.Value, "given twice (first on line %d); give it once (a list for several values)", first))
		}
		firstLine[k.Value] = k.Line
		if err := SetConfigValue(cfg, k.Value, v); err != nil {
			return nil, fmt.Errorf("line %d: %w", k.Line, err)
		}
		keys = append(keys, k.Value)
	}
	return keys, nil
}

// SetConfigValue sets one key from a YAML node (a scalar or a sequence).
func SetConfigValue(cfg *Config, key string, v *yaml.Node) error {
	f, ok := configFields(cfg)[key]
	if !ok {
		return keyErr(key, "unknown key")
	}
	var values []string
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Tag == "!!null" {
			values = nil
		} else {
			values = []string{v.Value}
		}
	case yaml.SequenceNode:
		for _, item := range v.Content {
			if item.Kind != yaml.ScalarNode {
				return keyErr(key, "list items must be plain values")
			}
			values = append(values, item.Value)
		}
		if !f.list {
			return keyErr(key, "takes one value, not a list")
		}
	default:
		return keyErr(key, "must be a value or a list of values")
	}
	if f.list {
		*f.strs = nil
	}
	for _, s := range values {
		if err := f.set(s); err != nil {
			return err
		}
	}
	return nil
}

// field is one settable key of Config; flags and the YAML loader share it so
// that a key means the same thing in both.
type field struct {
	list bool
	strs *[]string
	set  func(string) error
}

func configFields(c *Config) map[string]field {
	str := func(p *string) field { return field{set: func(s string) error { *p = s; return nil }} }
	list := func(key string, p *[]string) field {
		return field{list: true, strs: p, set: func(s string) error {
			for _, part := range strings.Split(s, ",") {
				if part = strings.TrimSpace(part); part != "" {
					*p = append(*p, part)
				}
			}
			return nil
		}}
	}
	integer := func(key string, p *int) field {
		return field{set: func(s string) error {
			n, err := strconv.Atoi(s)
			if errors.Is(err, strconv.ErrRange) {
				return keyErr(key, "%s is out of range", s)
			}
			if err != nil {
				return keyErr(key, "%q is not a whole number", s)
			}
			*p = n
			return nil
		}}
	}
	boolean := func(key string, p *bool) field {
		return field{set: func(s string) error {
			b, err := strconv.ParseBool(s)
			if err != nil {
				return keyErr(key, "%q is not a boolean (use 1/0 or true/false)", s)
			}
			*p = b
			return nil
		}}
	}
	duration := func(key string, p *time.Duration) field {
		return field{set: func(s string) error {
			d, err := time.ParseDuration(s)
			if err != nil {
				return keyErr(key, "%q is not a duration such as 90s or 2m", s)
			}
			*p = d
			return nil
		}}
	}
	return map[string]field{
		"network":          str(&c.Network),
		"datadir":          str(&c.DataDir),
		"listen":           boolean("listen", &c.Listen),
		"bind":             list("bind", &c.Bind),
		"port":             integer("port", &c.Port),
		"connect":          list("connect", &c.Connect),
		"addnode":          list("addnode", &c.AddNode),
		"seednode":         list("seednode", &c.SeedNode),
		"maxconnections":   integer("maxconnections", &c.MaxConnections),
		"maxoutbound":      integer("maxoutbound", &c.MaxOutbound),
		"dnsseed":          boolean("dnsseed", &c.DNSSeed),
		"dnsseeds":         list("dnsseeds", &c.DNSSeeds),
		"dnsresolver":      str(&c.DNSResolver),
		"fixedseeds":       boolean("fixedseeds", &c.FixedSeeds),
		"blocksonly":       boolean("blocksonly", &c.BlocksOnly),
		"v2transport":      boolean("v2transport", &c.V2Transport),
		"regtestservices":  list("regtestservices", &c.RegtestServices),
		"natpmp":           boolean("natpmp", &c.NATPMP),
		"upnp":             boolean("upnp", &c.UPnP),
		"natpmpgateway":    str(&c.NATPMPGateway),
		"externalip":       list("externalip", &c.ExternalIP),
		"discover":         boolean("discover", &c.Discover),
		"portmaplifetime":  duration("portmaplifetime", &c.PortMapLifetime),
		"handshaketimeout": duration("handshaketimeout", &c.HandshakeTimeout),
		"pinginterval":     duration("pinginterval", &c.PingInterval),
		"pingtimeout":      duration("pingtimeout", &c.PingTimeout),
		"timeout":          duration("timeout", &c.DialTimeout),
		"feelerinterval":   duration("feelerinterval", &c.FeelerInterval),
		"maxreceivebuffer": integer("maxreceivebuffer", &c.MaxReceiveBuffer),
		"maxsendbuffer":    integer("maxsendbuffer", &c.MaxSendBuffer),
		"debug":            list("debug", &c.Debug),
		"logformat":        str(&c.LogFormat),
		"logfile":          str(&c.LogFile),
		"server":           boolean("server", &c.Server),
		"rpcbind":          list("rpcbind", &c.RPCBind),
		"rpcport":          integer("rpcport", &c.RPCPort),
		"rpcallowip":       list("rpcallowip", &c.RPCAllowIP),
		"rpcuser":          str(&c.RPCUser),
		"rpcpassword":      str(&c.RPCPassword),
		"rpcauth":          field{list: true, strs: &c.RPCAuth, set: func(s string) error { c.RPCAuth = append(c.RPCAuth, s); return nil }},
		"rpcthreads":       integer("rpcthreads", &c.RPCThreads),
		"rpcworkqueue":     integer("rpcworkqueue", &c.RPCWorkQueue),
		"rpcservertimeout": seconds("rpcservertimeout", &c.RPCServerTimeout),
		"debugaddr":        str(&c.DebugAddr),
		"debugallowip":     list("debugallowip", &c.DebugAllowIP),
		"shutdowntimeout":  duration("shutdowntimeout", &c.ShutdownTimeout),
		"minimumchainwork": str(&c.MinimumChainWork),
	}
}

// ConfigKeys lists every key, for flag registration and help.
func ConfigKeys() []string {
	var c Config
	keys := make([]string, 0, 32)
	for k := range configFields(&c) {
		keys = append(keys, k)
	}
	return keys
}

// SetConfigString sets key from a command-line value. List keys append (a
// flag given twice adds two entries) unless reset is true.
func SetConfigString(cfg *Config, key, value string, reset bool) error {
	f, ok := configFields(cfg)[key]
	if !ok {
		return keyErr(key, "unknown key")
	}
	if f.list && reset {
		*f.strs = nil
	}
	return f.set(value)
}

// IsListKey tells whether key takes several values.
func IsListKey(key string) bool {
	var c Config
	return configFields(&c)[key].list
}

// Validate checks every value and returns the first fault, naming its key.
func (c *Config) Validate() error {
	if _, err := protocol.Network(c.Network); err != nil {
		return keyErr("network", "%q is not one of %s", c.Network, strings.Join(protocol.NetworkNames(), ", "))
	}
	if c.Port < 0 || c.Port > 65535 {
		return keyErr("port", "%d is outside 0..65535", c.Port)
	}
	for _, b := range c.Bind {
		if _, err := parseBind(b, 1); err != nil {
			return keyErr("bind", "%v", err)
		}
	}
	for _, key := range []struct {
		name  string
		peers []string
	}{{"connect", c.Connect}, {"addnode", c.AddNode}, {"seednode", c.SeedNode}} {
		for _, p := range key.peers {
			if err := checkHostPort(p); err != nil {
				return keyErr(key.name, "%v", err)
			}
		}
	}
	if c.MaxConnections < 0 {
		return keyErr("maxconnections", "%d is negative", c.MaxConnections)
	}
	if c.MaxOutbound < 0 {
		return keyErr("maxoutbound", "%d is negative", c.MaxOutbound)
	}
	if c.DNSResolver != "" {
		if _, port, err := protocol.SplitHostPort(c.DNSResolver); err != nil {
			return keyErr("dnsresolver", "%v (want HOST:PORT)", err)
		} else if port == 0 {
			return keyErr("dnsresolver", "%q needs a port (HOST:PORT)", c.DNSResolver)
		}
	}
	for name, d := range map[string]time.Duration{
		"handshaketimeout": c.HandshakeTimeout, "pinginterval": c.PingInterval,
		"pingtimeout": c.PingTimeout, "timeout": c.DialTimeout, "shutdowntimeout": c.ShutdownTimeout,
	} {
		if d <= 0 {
			return keyErr(name, "%v must be positive", d)
		}
	}
	if c.FeelerInterval < 0 {
		return keyErr("feelerinterval", "%v is negative (0 turns feelers off)", c.FeelerInterval)
	}
	if c.PingTimeout < c.PingInterval {
		return keyErr("pingtimeout", "%v is shorter than pinginterval %v", c.PingTimeout, c.PingInterval)
	}
	if err := c.validateRegtestServices(); err != nil {
		return err
	}
	if c.NATPMPGateway != "" {
		if _, err := netip.ParseAddr(c.NATPMPGateway); err != nil {
			return keyErr("natpmpgateway", "%q is not an IP address", c.NATPMPGateway)
		}
	}
	for _, e := range c.ExternalIP {
		if _, err := parseBind(e, 0); err != nil {
			return keyErr("externalip", "%v", err)
		}
	}
	if c.PortMapLifetime < 2*time.Second {
		return keyErr("portmaplifetime", "%v is shorter than 2s", c.PortMapLifetime)
	}
	for _, b := range []struct {
		key string
		kb  int
	}{{"maxreceivebuffer", c.MaxReceiveBuffer}, {"maxsendbuffer", c.MaxSendBuffer}} {
		if b.kb < 1 || b.kb > MaxBufferKB {
			return keyErr(b.key, "%d KB is outside 1..%d", b.kb, MaxBufferKB)
		}
	}
	for _, cat := range c.Debug {
		if !knownDebugCategory(cat) {
			// Core: "Unsupported logging category -debug=%s."
			return keyErr("debug", "unsupported logging category -debug=%s (known: %s, or all, 1, none, 0)",
				cat, strings.Join(Categories(), ", "))
		}
	}
	switch c.LogFormat {
	case "console", "json":
	default:
		return keyErr("logformat", "%q is not console or json", c.LogFormat)
	}
	if _, err := c.minimumChainWork(); err != nil {
		return err
	}
	if err := c.validateRPC(); err != nil {
		return err
	}
	return c.validateDebug()
}

// validateRegtestServices refuses RegtestServices off regtest and any
// name that is not a service.
func (c *Config) validateRegtestServices() error {
	if len(c.RegtestServices) == 0 {
		return nil
	}
	if c.Network != "regtest" {
		return keyErr("regtestservices", "only with -regtest (network is %s): elsewhere the node announces only what it serves", c.Network)
	}
	for _, name := range c.RegtestServices {
		if _, err := protocol.ParseServiceName(name); err != nil {
			return keyErr("regtestservices", "%v", err)
		}
	}
	return nil
}

// LocalServices are the service bits the node announces: none, or on
// regtest those RegtestServices names (unknown names, refused by Validate,
// are skipped).
func (c *Config) LocalServices() protocol.ServiceFlag {
	if c.Network != "regtest" {
		return 0
	}
	var f protocol.ServiceFlag
	for _, name := range c.RegtestServices {
		if bit, err := protocol.ParseServiceName(name); err == nil {
			f |= bit
		}
	}
	return f
}

// Params returns the network parameters the config names.
func (c *Config) Params() (protocol.Params, error) {
	p, err := protocol.Network(c.Network)
	if err != nil {
		return p, keyErr("network", "%v", err)
	}
	work, err := c.minimumChainWork()
	if err != nil {
		return p, err
	}
	if work != nil {
		p.MinimumChainWork = work
	}
	return p, nil
}

// minimumChainWork is MinimumChainWork read as Core's -minimumchainwork
// (uint256::FromUserHex): an optional "0x", then 1 to 64 hex digits, most
// significant first. nil means the network's.
func (c *Config) minimumChainWork() (*big.Int, error) {
	s := c.MinimumChainWork
	if s == "" {
		return nil, nil
	}
	digits := strings.TrimPrefix(s, "0x")
	if len(digits) > 64 {
		// Core: "Invalid minimum work specified (%s), must be up to %d hex digits".
		return nil, keyErr("minimumchainwork", "%q has %d hex digits, more than 64 (a 256-bit number)", s, len(digits))
	}
	w, ok := new(big.Int).SetString(digits, 16)
	if digits == "" {
		w, ok = new(big.Int), true // Core pads "0x" alone to zero
	}
	if !ok || strings.ContainsAny(digits, "+-_") {
		return nil, keyErr("minimumchainwork", "%q is not a hex number (up to 64 digits, 0x allowed)", s)
	}
	return w, nil
}

// ListenPort is Port or the network's default port.
func (c *Config) ListenPort() uint16 {
	if c.Port != 0 {
		return uint16(c.Port)
	}
	p, err := protocol.Network(c.Network)
	if err != nil {
		return 0
	}
	return p.DefaultPort
}

// BindAddrs resolves Bind (or its default) to addresses.
func (c *Config) BindAddrs() ([]netip.AddrPort, error) {
	port := c.ListenPort()
	if len(c.Bind) == 0 {
		return []netip.AddrPort{
			netip.AddrPortFrom(netip.IPv4Unspecified(), port),
			netip.AddrPortFrom(netip.IPv6Unspecified(), port),
		}, nil
	}
	out := make([]netip.AddrPort, 0, len(c.Bind))
	for _, b := range c.Bind {
		ap, err := parseBind(b, port)
		if err != nil {
			return nil, keyErr("bind", "%v", err)
		}
		out = append(out, ap)
	}
	return out, nil
}

// DataDirOrDefault is the directory of the node's files: with DataDir set,
// Core's network directory under it (DataDir itself on mainnet,
// DataDir/testnet3, DataDir/testnet4, DataDir/signet, DataDir/regtest), so
// that bitcoin-cli -datadir=DataDir finds the cookie; without it,
// ~/.actornode/<network>.
func (c *Config) DataDirOrDefault() string {
	if c.DataDir != "" {
		return filepath.Join(c.DataDir, NetworkDir(c.Network))
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = "."
	}
	return filepath.Join(home, ".actornode", c.Network)
}

func parseBind(s string, port uint16) (netip.AddrPort, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap, nil
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%q is not IP or IP:PORT", s)
	}
	return netip.AddrPortFrom(a, port), nil
}

// checkHostPort checks a peer as -connect, -addnode and -seednode take it,
// with the validator the addnode RPC uses too.
func checkHostPort(s string) error {
	_, _, err := protocol.SplitHostPort(s)
	return err
}

// NATGateway is NATPMPGateway parsed; the zero value means the default
// route's gateway.
func (c *Config) NATGateway() netip.Addr {
	a, err := netip.ParseAddr(c.NATPMPGateway)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// ExternalAddrs is ExternalIP parsed; a port of 0 means the listening port.
func (c *Config) ExternalAddrs() []netip.AddrPort {
	out := make([]netip.AddrPort, 0, len(c.ExternalIP))
	for _, e := range c.ExternalIP {
		if ap, err := parseBind(e, 0); err == nil {
			out = append(out, netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()))
		}
	}
	return out
}

// DiscoverOn tells whether interface addresses are advertised: Discover,
// while listening and without ExternalIP (Core's default for -discover).
func (c *Config) DiscoverOn() bool {
	return c.Discover && c.Listen && len(c.ExternalIP) == 0
}

// NATActorOn tells whether the node runs the nat actor: port mapping is on,
// or there are own addresses to keep (-externalip, -discover).
func (c *Config) NATActorOn() bool {
	return c.Listen && (c.NATPMP || c.UPnP) || len(c.ExternalIP) > 0 || c.DiscoverOn()
}
