import Hummingbird
import NIOCore

/// Per-request context: Hummingbird's core storage plus the peer address (for rate limiting later).
public struct HavenRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// Hummingbird's own upload cap; intake routes apply their tighter limit first.
    public var maxUploadSize: Int { 1 << 20 }
}
