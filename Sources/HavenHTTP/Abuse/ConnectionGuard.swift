import Foundation
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Open connections per client address, so one client cannot take every connection the server
/// allows (`HAVEN_MAX_CONNECTIONS`) by holding them open. Addresses of trusted proxies are not
/// counted: behind a reverse proxy every connection comes from it, and the proxy limits clients.
public final class ConnectionRegistry: Sendable {
    public let maxPerClient: Int
    let trustedProxies: Set<String>
    private let open = Mutex<[String: Int]>([:])

    public init(maxPerClient: Int, trustedProxies: Set<String> = []) {
        self.maxPerClient = max(1, maxPerClient)
        self.trustedProxies = trustedProxies
    }

    /// Counts a new connection from `address`; false (and nothing counted) when it already has its share.
    /// An IPv6 client is counted by its /64, as the rate limits count it (a trusted proxy by its
    /// exact address).
    func admit(_ address: String) -> Bool {
        if trustedProxies.contains(address) { return true }
        let address = ClientAddress.key(address)
        return open.withLock { open in
            let count = open[address, default: 0]
            guard count < maxPerClient else { return false }
            open[address] = count + 1
            return true
        }
    }

    func release(_ address: String) {
        if trustedProxies.contains(address) { return }
        let address = ClientAddress.key(address)
        open.withLock { open in
            let count = open[address, default: 0] - 1
            open[address] = count > 0 ? count : nil
        }
    }

    /// Connections counted for `address` now.
    public func count(_ address: String) -> Int { open.withLock { $0[ClientAddress.key(address), default: 0] } }
}

/// On every connection, whatever route a request is for:
/// - a client address past its share of connections is closed at once (`ConnectionRegistry`);
/// - answers must drain: a connection whose answers have waited unwritten for 30 s is closed;
/// - a request must arrive whole (head, body and end) within `requestTimeout` of its head, or the
///   connection is closed. Routes that read bodies answer `408` sooner (their own deadline); this
///   is the backstop for every other route and for bodies nobody reads, so a client trickling a
///   byte at a time cannot hold a connection. (Between requests, and while the head is still
///   arriving, Hummingbird's idle timeout closes a quiet connection: a head produces nothing to
///   read until it is complete.)
final class ConnectionGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    let registry: ConnectionRegistry?
    let requestTimeout: TimeAmount
    let writeTimeout: TimeAmount
    private var admitted: String?
    private var deadline: Scheduled<Void>?
    private var stalled: Scheduled<Void>?

    init(registry: ConnectionRegistry?, requestTimeout: TimeAmount, writeTimeout: TimeAmount = .seconds(30)) {
        self.registry = registry
        self.requestTimeout = requestTimeout
        self.writeTimeout = writeTimeout
    }

    /// A client that sends requests but never reads the answers leaves them waiting to be written
    /// (the channel stops being writable), while neither the request deadline nor the idle timer
    /// runs: closed when nothing has drained for `writeTimeout`.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            stalled?.cancel()
            stalled = nil
        } else if stalled == nil {
            stalled = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: writeTimeout) {
                context.close(promise: nil)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        admit(context)
        context.fireChannelActive()
    }

    private func admit(_ context: ChannelHandlerContext) {
        guard let registry, admitted == nil else { return }
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        if registry.admit(address) {
            admitted = address
        } else {
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            deadline?.cancel()
            deadline = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: requestTimeout) {
                context.close(promise: nil)
            }
        case .end:
            deadline?.cancel()
            deadline = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { finish() }

    private func finish() {
        deadline?.cancel()
        deadline = nil
        stalled?.cancel()
        stalled = nil
        if let address = admitted {
            registry?.release(address)
            admitted = nil
        }
    }
}
