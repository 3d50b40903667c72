// Preloaded into bcoin by actornode's interop tests (node -r), which send
// nothing past loopback:
//  - DNS look-ups fail: a listening bcoin 1.0.2 with no routable local
//    address asks OpenDNS's resolvers directly for its external address
//    (bdns, at start), and no option of its turns that off;
//  - as a safety net under the option the tests pass (--only), which keeps
//    bcoin's dialling on loopback already, a TCP connection or UDP datagram
//    to an address outside 127.0.0.0/8 and ::1 is refused with an error.
'use strict';

const net = require('net');
const dgram = require('dgram');
const bdns = require('bdns');

function loopback(host) {
  if (host === undefined || host === null || host === 'localhost')
    return true;
  const h = String(host).replace(/^\[|\]$/g, '');
  if (net.isIPv4(h))
    return h.startsWith('127.');
  return h === '::1' || /^::ffff:127\./i.test(h);
}

// External address discovery and every other look-up fail, as they would
// offline; bcoin logs them at debug and goes on.
for (const name of Object.keys(bdns)) {
  if (typeof bdns[name] === 'function') {
    bdns[name] = async () => {
      throw new Error(`DNS ${name} disabled: loopback-only test`);
    };
  }
}

// net.connect hands Socket#connect its arguments normalized, as an array
// holding the options; a refused connection fails as an unreachable one
// would, by an error event.
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  let opts = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (typeof opts !== 'object' || opts === null)
    opts = { port: args[0], host: typeof args[1] === 'string' ? args[1] : undefined };
  if (opts.path === undefined && !loopback(opts.host)) {
    const err = new Error(`connect to ${opts.host} refused: loopback-only test`);
    process.nextTick(() => this.destroy(err));
    return this;
  }
  return connect.apply(this, args);
};

const send = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function (...args) {
  const host = args.find((a, i) => i > 0 && typeof a === 'string');
  if (!loopback(host))
    throw new Error(`UDP to ${host} refused: loopback-only test`);
  return send.apply(this, args);
};
