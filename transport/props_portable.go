//go:build !linux || transport_portable

package transport

import "github.com/asynkron/protoactor-go/actor"

// Props returns the props of an io actor configured by cfg: on this build,
// the portable one (see PortableProps); on Linux, the epoll loop.
func Props(cfg Config) *actor.Props { return PortableProps(cfg) }

// SpeaksV2 says whether Props' io speaks BIP324's v2 transport
// (Config.V2, Dial.V2): the portable io does.
const SpeaksV2 = true
