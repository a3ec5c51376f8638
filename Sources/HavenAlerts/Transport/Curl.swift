import CCurl
import Foundation

/// A thin, safe wrapper over one libcurl easy handle, used for SMTP and HTTPS.
///
/// libcurl is blocking: `perform` runs on a dedicated dispatch queue, never on Swift's
/// cooperative pool, so a slow mail server cannot starve request handling.
final class CurlRequest {
    private let handle: UnsafeMutableRawPointer
    private var lists: [UnsafeMutablePointer<curl_slist>] = []
    private var strings: [UnsafeMutablePointer<CChar>] = []
    private let upload: UploadBuffer
    private let download = DownloadBuffer()

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()
    static let queue = DispatchQueue(label: "haven.curl", qos: .userInitiated, attributes: .concurrent)

    init(uploading body: [UInt8] = []) {
        _ = Self.globalInit
        handle = HandlePool.shared.take()
        upload = UploadBuffer(bytes: body)
        set(CURLOPT_NOSIGNAL, 1)
        set(CURLOPT_NOPROGRESS, 1)
    }

    deinit {
        // Reset drops every option (so the strings and lists below can go) but keeps the handle's
        // open connection: the next alert to the same server reuses it instead of a new TCP
        // connection, greeting and STARTTLS handshake.
        curl_easy_reset(handle)
        lists.forEach { curl_slist_free_all($0) }
        strings.forEach { free($0) }
        HandlePool.shared.give(handle)
    }

    func set(_ option: CURLoption, _ value: Int) {
        haven_curl_setopt_long(handle, option, value)
    }

    func set(_ option: CURLoption, _ value: String) {
        let copy = strdup(value)!
        strings.append(copy)
        haven_curl_setopt_string(handle, option, copy)
    }

    func set(_ option: CURLoption, list values: [String]) {
        var list: UnsafeMutablePointer<curl_slist>?
        for value in values { list = curl_slist_append(list, value) }
        if let list {
            lists.append(list)
            haven_curl_setopt_slist(handle, option, list)
        }
    }

    /// Sends `body` as the upload (SMTP DATA, or a POST body when `post` is set).
    func attachUpload(post: Bool) {
        let pointer = Unmanaged.passUnretained(upload).toOpaque()
        haven_curl_setopt_readfunction(handle) { buffer, size, count, userdata in
            guard let buffer, let userdata else { return 0 }
            let upload = Unmanaged<UploadBuffer>.fromOpaque(userdata).takeUnretainedValue()
            return upload.read(into: buffer, capacity: size * count)
        }
        haven_curl_setopt_pointer(handle, CURLOPT_READDATA, pointer)
        if post {
            set(CURLOPT_POST, 1)
            set(CURLOPT_POSTFIELDSIZE_LARGE, upload.bytes.count)
        } else {
            set(CURLOPT_UPLOAD, 1)
            set(CURLOPT_INFILESIZE_LARGE, upload.bytes.count)
        }
    }

    func captureResponseBody() {
        haven_curl_setopt_writefunction(handle) { buffer, size, count, userdata in
            guard let buffer, let userdata else { return 0 }
            let download = Unmanaged<DownloadBuffer>.fromOpaque(userdata).takeUnretainedValue()
            let total = size * count
            if download.bytes.count < 1 << 20 {
                buffer.withMemoryRebound(to: UInt8.self, capacity: total) {
                    download.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: total))
                }
            }
            return total
        }
        haven_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(download).toOpaque())
    }

    var responseBody: [UInt8] { download.bytes }

    /// The last response code (SMTP reply code or HTTP status).
    var responseCode: Int {
        var code = 0
        haven_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    /// Runs the transfer off the cooperative pool. Returns curl's result code.
    func perform() async -> CURLcode {
        await withCheckedContinuation { continuation in
            Self.queue.async {
                continuation.resume(returning: curl_easy_perform(self.handle))
            }
        }
    }

    static func describe(_ code: CURLcode) -> String {
        "curl \(code.rawValue): \(String(cString: curl_easy_strerror(code)))"
    }
}

extension CurlRequest: @unchecked Sendable {}

/// Idle easy handles, each with its connection cache, for reuse by the next transfer. A handle is
/// used by one transfer at a time (taken, then given back), so libcurl needs no locking.
private final class HandlePool: @unchecked Sendable {
    static let shared = HandlePool()
    /// Beyond this many idle handles (the dispatcher's batch is 64), extras are closed.
    private let limit = 64
    private let lock = NSLock()
    private var idle: [UnsafeMutableRawPointer] = []

    func take() -> UnsafeMutableRawPointer {
        lock.lock()
        let reused = idle.popLast()
        lock.unlock()
        return reused ?? curl_easy_init()
    }

    func give(_ handle: UnsafeMutableRawPointer) {
        lock.lock()
        let keep = idle.count < limit
        if keep { idle.append(handle) }
        lock.unlock()
        if !keep { curl_easy_cleanup(handle) }
    }
}

/// The bytes libcurl reads for an upload; touched only by the transfer's own thread.
private final class UploadBuffer {
    let bytes: [UInt8]
    var offset = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let count = min(capacity, bytes.count - offset)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBufferPointer { source in
            UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
    }
}

private final class DownloadBuffer {
    var bytes: [UInt8] = []
}
