import Foundation
import HavenCore
import HavenPostgres
import HavenSQLite
import HavenStore
import Logging
import Synchronization

// bench/scale's loader: fills a Haven store with reports through the real store layer, so every
// case is triaged, numbered, alerted and sealed (to staff too, once the store has a recovery key)
// exactly as intake does; only HTTP is left out. The key ring is HAVEN_MASTER_KEY's, as `haven`
// run with the same variable derives it.
//
//   haven-scale fill (--sqlite PATH | --postgres URL) --reports N [--first N] --from UNIX --to UNIX
//       [--tasks 64] [--follow-ups 0.15] [--sms 0.2] [--districts OX1,OX2,...]
//
// Reports are spread evenly over [from, to) in time order (taken from one counter by `tasks`
// concurrent tasks, so intake's group commit batches them as it batches a busy server's). A share
// `follow-ups` are texts from the number of a recent SMS case, which join that case.

struct Options {
    var sqlite: String?
    var postgres: String?
    var reports = 10_000
    /// The first report's number: a second fill into the same store starts past the first's, so
    /// its texts' provider ids and numbers are new.
    var first = 0
    var from = Date().timeIntervalSince1970 - 86_400
    var to = Date().timeIntervalSince1970
    var tasks = 64
    var followUps = 0.15
    var sms = 0.2
    var districts = ["OX1", "OX2", "OX3", "OX4", "OX10", "OX11", "OX14", "OX16"]

    init(_ arguments: [String]) throws {
        var rest = arguments[...]
        func value() throws -> String {
            guard let next = rest.popFirst() else { throw Failure("a value is missing") }
            return next
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--sqlite": sqlite = try value()
            case "--postgres": postgres = try value()
            case "--reports": reports = try number(value())
            case "--first": first = try number(value())
            case "--from": from = try number(value())
            case "--to": to = try number(value())
            case "--tasks": tasks = try number(value())
            case "--follow-ups": followUps = try number(value())
            case "--sms": sms = try number(value())
            case "--districts": districts = try value().split(separator: ",").map(String.init)
            default: throw Failure("unknown option \(flag)")
            }
        }
        guard (sqlite == nil) != (postgres == nil) else { throw Failure("give one of --sqlite PATH or --postgres URL") }
    }
}

struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func number<T: LosslessStringConvertible>(_ text: String) throws -> T {
    guard let value = T(text) else { throw Failure("not a number: \(text)") }
    return value
}

/// Texting numbers of recent SMS cases, for follow-ups to join (the newest few hundred: older
/// cases may be closed by the time the aging step runs, but during the fill all are open).
final class RecentPhones: Sendable {
    private let phones = Mutex<[String]>([])

    func add(_ phone: String) {
        phones.withLock {
            $0.append(phone)
            if $0.count > 512 { $0.removeFirst(256) }
        }
    }

    func pick(_ n: Int) -> String? { phones.withLock { $0.isEmpty ? nil : $0[n % $0.count] } }
}

/// The next report's number, taken by every task in turn.
final class Counter: Sendable {
    private let value = Atomic<Int>(0)

    func next() -> Int { value.add(1, ordering: .relaxed).oldValue }
}

struct Tally: Sendable {
    var created = 0
    var threaded = 0
    var other = 0
}

/// Report `index` of this fill, numbered `n` among every fill's.
func report(_ index: Int, options: Options, phones: RecentPhones) -> IncomingReport {
    let n = options.first + index
    let at = Date(
        timeIntervalSince1970: options.from + (options.to - options.from) * Double(index) / Double(max(1, options.reports)))
    let roll = Double((UInt64(n) &* 2_654_435_761) % 1000) / 1000
    let message = "Scale report \(n): he has been shouting again and I am frightened to go home tonight."
    if roll < options.followUps, let phone = phones.pick(n) {
        return IncomingReport(
            channel: .sms, submission: ReportSubmission(message: message), receivedAt: at,
            providerMessageID: "SCALE\(n)", threadPhone: phone)
    }
    let district = options.districts[n % options.districts.count]
    let submission = ReportSubmission(
        immediateDanger: n % 20 == 0, message: message,
        survivor: SurvivorDetails(postcode: "\(district) \(n % 9 + 1)AB"), femaleOfficerRequested: n % 25 == 0)
    if roll < options.followUps + options.sms {
        let phone = "+447700\(String(format: "%06d", n % 1_000_000))"
        return IncomingReport(
            channel: .sms, submission: submission, receivedAt: at, providerMessageID: "SCALE\(n)", threadPhone: phone)
    }
    return IncomingReport(channel: n % 3 == 0 ? .api : .web, submission: submission, receivedAt: at)
}

func fill(_ stores: Stores, options: Options) async throws -> Tally {
    let counter = Counter()
    let phones = RecentPhones()
    let triage = Triage()
    return try await withThrowingTaskGroup(of: Tally.self) { group in
        for _ in 0..<options.tasks {
            group.addTask {
                var tally = Tally()
                while true {
                    let n = counter.next()
                    guard n < options.reports else { return tally }
                    let incoming = report(n, options: options, phones: phones)
                    switch try await stores.cases.record(incoming, triage: triage, routing: AlertRouting()) {
                    case .created:
                        tally.created += 1
                        if let phone = incoming.threadPhone { phones.add(phone) }
                    case .threaded: tally.threaded += 1
                    default: tally.other += 1
                    }
                }
            }
        }
        var all = Tally()
        for try await tally in group {
            all.created += tally.created
            all.threaded += tally.threaded
            all.other += tally.other
        }
        return all
    }
}

func run() async throws {
    let arguments = Array(CommandLine.arguments.dropFirst())
    guard arguments.first == "fill" else {
        throw Failure("usage: haven-scale fill (--sqlite PATH | --postgres URL) --reports N [--first N] --from UNIX --to UNIX")
    }
    let options = try Options(Array(arguments.dropFirst()))
    guard let master = ProcessInfo.processInfo.environment["HAVEN_MASTER_KEY"] else { throw Failure("set HAVEN_MASTER_KEY") }
    let ring = try KeyRing.derived(fromMasterKey: master)
    let started = Date()
    let tally: Tally
    if let path = options.sqlite {
        let stores = try await Stores.open(engine: try SQLiteEngine(path: path), keyRing: ring)
        tally = try await fill(stores, options: options)
    } else {
        var settings = PostgresEngine.Settings(url: try PostgresURL(options.postgres!))
        settings.maxConnections = 8
        tally = try await PostgresEngine.withRunning(settings: settings, logger: Logger(label: "haven-scale"), migrating: true) {
            engine in
            try await fill(try await Stores.open(engine: engine, keyRing: ring), options: options)
        }
    }
    let took = Date().timeIntervalSince(started)
    print(
        "filled \(options.reports) reports (\(tally.created) new cases, \(tally.threaded) follow-ups, \(tally.other) other) in "
            + String(format: "%.1f s: %.0f reports/s", took, Double(options.reports) / took))
}

do {
    try await run()
} catch {
    FileHandle.standardError.write(Data("haven-scale: \(error)\n".utf8))
    exit(1)
}
