import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// The threads that render (decode and encode) responses, one per core, taking requests in
/// the order they came: the cooperative threads stay free for cheap answers, and a render's
/// wait is bounded by the queue ahead of it.
final class RenderWorkers: @unchecked Sendable {
    let queue: OperationQueue

    init() {
        queue = OperationQueue()
        queue.name = "tessera render"
        queue.maxConcurrentOperationCount = max(1, ProcessInfo.processInfo.activeProcessorCount)
    }
}

/// `TileService` over HTTP/1.1 with Hummingbird (swift-nio): keep-alive, header-size limits,
/// idle connections and stalled clients closed after `idleTimeoutSeconds`, and a graceful
/// shutdown on SIGINT or SIGTERM in which requests already in flight are answered.
public struct TileServer: Sendable {
    public let service: TileService

    public init(service: TileService) {
        self.service = service
    }

    struct Responder: HTTPResponder {
        typealias Context = BasicRequestContext
        let service: TileService
        let renderers: RenderWorkers

        func respond(to request: Request, context: Context) async throws -> Response {
            var headers: [String: String] = [:]
            for field in request.headers {
                let name = field.name.canonicalName
                headers[name] = headers[name].map { $0 + ", " + field.value } ?? field.value
            }
            // HTTP/1's Host header arrives as the request's authority.
            if let authority = request.head.authority { headers["host"] = authority }
            let r = ServiceRequest(method: request.method.rawValue, path: request.uri.string, headers: headers)
            var answer: ServiceResponse
            if let cheap = service.respond(r, mayRender: false) {
                answer = cheap
            } else {
                answer = await withCheckedContinuation { done in
                    renderers.queue.addOperation { done.resume(returning: service.respond(r)) }
                }
            }
            var fields = HTTPFields()
            for (name, value) in answer.headers {
                if let n = HTTPField.Name(name) { fields.append(HTTPField(name: n, value: value)) }
            }
            let body = answer.body.isEmpty ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body))
            return Response(status: HTTPResponse.Status(code: answer.status), headers: fields, body: body)
        }
    }

    /// The Hummingbird application; `onRunning` is told the port once it listens (useful
    /// with port 0, which picks a free one).
    public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol
    {
        let o = service.options
        var http = HTTP1Channel.Configuration(idleTimeout: .seconds(Int64(o.idleTimeoutSeconds)))
        http.httpDecoder = .init(maxHeaderFieldSize: 8 << 10, maxHeaderListSize: 32 << 10, maxHeaderFieldCount: 100)
        return Application(
            responder: Responder(service: service, renderers: RenderWorkers()),
            server: .http1(configuration: http),
            configuration: ApplicationConfiguration(address: .hostname(o.host, port: o.port), serverName: "tessera"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? o.port) },
            logger: service.logger)
    }

    /// Serves until SIGINT or SIGTERM.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await application(onRunning: onRunning).runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }
}
