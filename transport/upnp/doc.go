// Package upnp maps a TCP port on a UPnP Internet Gateway Device (IGD v1 or
// v2), over github.com/huin/goupnp: SSDP discovery of a WANIPConnection (v2,
// then v1) or WANPPPConnection service, then GetExternalIPAddress,
// AddPortMapping (AddAnyPortMapping on IGD v2 when the port is taken) and
// DeletePortMapping.
//
// SOAP faults come back as *FaultError wrapping the transport/portmap error
// kinds: 606 (action not authorized) is portmap.ErrRefused, 718 (conflict in
// mapping entry) portmap.ErrPortConflict, 501 (action failed: what
// miniupnpd answers when it has no public address) and an empty external
// address portmap.ErrNoPublicAddress.
//
// goupnp sends its SSDP search from every multicast-capable interface that
// is up, so discovery is not confined to the default gateway's network.
// Discovery always takes goupnp's fixed 2 s of listening for answers.
package upnp
