import Foundation
import HavenCore
import Hummingbird

/// Small helpers for the JSON answers the API gives.
enum JSONResponse {
    static func make<T: Encodable>(_ status: HTTPResponse.Status, _ value: T, headers: HTTPFields = [:]) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A flat object of strings, written without JSONEncoder (the 201 of every intake, every error).
    static func make(_ status: HTTPResponse.Status, _ object: [String: String], headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: JSONText.object(object))))
    }

    static func error(_ status: HTTPResponse.Status, _ code: String, headers: HTTPFields = [:]) -> Response {
        make(status, ["error": code], headers: headers)
    }

    /// 422: the list of `{field, problem}`. Field names that are not ours are not echoed verbatim.
    static func problems(_ problems: [FieldProblem]) -> Response {
        let safe = problems.map { problem -> [String: String] in
            ["field": safeFieldName(problem.field), "problem": problem.problem.rawValue]
        }
        return make(.unprocessableContent, safe)
    }

    static func safeFieldName(_ name: String) -> String {
        if ReportFields.known.contains(name) || ReportFields.presentation.contains(name) || name == "Idempotency-Key" {
            return name
        }
        let allowed = name.count <= 64 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
        return allowed ? name : "(unrecognised field)"
    }
}
