import Foundation
import Testing

@testable import HavenCore

@Suite("Monthly report on fixed data")
struct MonthlyReportTests {
    let start = MonthlyReport.bounds(of: "2026-11")!.start
    /// When the report is read: after every deadline of the month has passed.
    var later: Date { start.addingTimeInterval(60 * 86400) }

    func fact(
        _ priority: Priority, _ channel: ReportChannel = .web, officer: Int64? = 1, ackAfter: Double?, slaMinutes: Double,
        contactAfter: Double? = nil, female: Bool = false, unmet: Bool = false, outcome: String? = nil,
        reporter: ReporterType = .survivor
    ) -> CaseFacts {
        let opened = start.addingTimeInterval(3600)
        return CaseFacts(
            priority: priority, channel: channel, reporterType: reporter, officerID: officer, openedAt: opened,
            acknowledgeBy: opened.addingTimeInterval(slaMinutes * 60),
            acknowledgedAt: ackAfter.map { opened.addingTimeInterval($0 * 60) },
            firstContactAt: contactAfter.map { opened.addingTimeInterval($0 * 60) }, femaleRequested: female,
            femaleUnmet: unmet, outcome: outcome)
    }

    @Test("counts, medians, 90th percentiles and shares within the SLA come out as worked by hand")
    func knownAnswers() {
        let facts = [
            // Emergencies (SLA 15 min): acknowledged after 5, 10, 20 minutes and one never.
            fact(.emergency, .sms, ackAfter: 5, slaMinutes: 15, contactAfter: 30, female: true),
            fact(.emergency, .web, ackAfter: 10, slaMinutes: 15, contactAfter: 90, female: true, unmet: true),
            fact(.emergency, .sms, officer: 2, ackAfter: 20, slaMinutes: 15),
            fact(.emergency, .api, officer: nil, ackAfter: nil, slaMinutes: 15),
            // Standard: 100 and 2000 minutes against a 1440-minute SLA.
            fact(.standard, .web, ackAfter: 100, slaMinutes: 1440, outcome: "rehoused", reporter: .thirdParty),
            fact(.standard, .web, officer: 2, ackAfter: 2000, slaMinutes: 1440, contactAfter: 3000, reporter: .professional),
        ]
        let report = MonthlyReport(month: "2026-11", facts: facts, escalations: 3, officerNames: [1: "Asha", 2: "Ben"], now: later)
        #expect(report.cases == 6)
        #expect(report.byChannel == ["sms": 2, "web": 3, "api": 1])
        #expect(report.byReporter == ["self": 4, "third_party": 1, "professional": 1])
        #expect(report.byPriority == ["emergency": 4, "standard": 2])

        let emergency = report.acknowledgement["emergency"]!
        #expect(emergency.cases == 4 && emergency.done == 3)
        #expect(emergency.medianMinutes == 10)  // of 5, 10, 20
        #expect(emergency.p90Minutes == 20)
        #expect(emergency.withinSLA == 0.5)  // 2 of 4 (the unacknowledged one counts as missed)
        let standard = report.acknowledgement["standard"]!
        #expect(standard.medianMinutes == 100 && standard.p90Minutes == 2000 && standard.withinSLA == 0.5)

        #expect(report.acknowledgementByOfficer["Asha"]?.cases == 3)
        #expect(report.acknowledgementByOfficer["Asha"]?.withinSLA == 1)
        #expect(report.acknowledgementByOfficer["Ben"]?.withinSLA == 0)
        #expect(report.acknowledgementByOfficer["unassigned"]?.done == 0)

        let contact = report.firstContact["emergency"]!
        #expect(contact.done == 2 && contact.medianMinutes == 30 && contact.p90Minutes == 90 && contact.withinSLA == nil)
        #expect(report.escalations == 3)
        #expect(report.femaleRequested == 2 && report.femaleHonoured == 1)
        #expect(report.outcomes == ["rehoused": 1, "still open": 5])
    }

    @Test("the CSV holds every figure, one per row, and defuses spreadsheet formulas in names")
    func csv() {
        let facts = [fact(.high, ackAfter: 30, slaMinutes: 60)]
        let csv = MonthlyReport(month: "2026-11", facts: facts, escalations: 0, officerNames: [1: "=HYPERLINK(\"x\")"], now: later).csv()
        #expect(csv.hasPrefix("section,group,measure,value\ncases,all,count,1\n"))
        #expect(csv.contains("acknowledgement_by_priority,high,median_minutes,30.0"))
        #expect(csv.contains("acknowledgement_by_priority,high,within_sla,1.000"))
        #expect(csv.contains("acknowledgement_by_officer,\"'=HYPERLINK(\"\"x\"\")\",cases,1"))
    }

    @Test(
        "every formula starter OWASP lists (and the forms some spreadsheets read the same) is defused, and fields are quoted as they need",
        arguments: [
            ("=1+1", "'=1+1"), ("+1+1", "'+1+1"), ("-1+1", "'-1+1"), ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1+1", "\"'\t=1+1\""), ("\r=1+1", "\"'\r=1+1\""), ("\r\n=1+1", "\"'\r\n=1+1\""),
            ("\n=1+1", "\"'\n=1+1\""), ("\u{0}=1", "'\u{0}=1"), ("＝1+1", "'＝1+1"), ("＋1", "'＋1"), ("－1", "'－1"),
            ("＠SUM(A1)", "'＠SUM(A1)"), ("﹦1", "'﹦1"), ("﹢1", "'﹢1"), ("﹣1", "'﹣1"), ("﹫x", "'﹫x"), ("−1", "'−1"),
            ("  =1+1", "'  =1+1"), ("\u{A0}=1", "'\u{A0}=1"),
            ("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""),
            ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
            // Plain text: unchanged, or quoted for a separator, a quote or a line break inside it.
            ("Asha Okafor", "Asha Okafor"), ("Okafor, Asha", "\"Okafor, Asha\""), ("Okafor; Asha", "\"Okafor; Asha\""),
            ("Asha \"Ash\" Okafor", "\"Asha \"\"Ash\"\" Okafor\""), ("Asha\nOkafor", "\"Asha\nOkafor\""),
            ("Asha\r\nOkafor", "\"Asha\r\nOkafor\""), ("Asha\tOkafor", "\"Asha\tOkafor\""), ("Asha-Okafor", "Asha-Okafor"),
            ("O'Brien", "O'Brien"), ("", ""),
        ])
    func csvFields(text: String, field: String) {
        #expect(CSVField.text(text) == field)
    }

    @Test("an officer named with any formula starter or separator stays one text cell in one row of four")
    func csvRowsStayWhole() {
        let names = ["=1+1", "+1", "-1", "@x", "\t=1", "\r=1", "\r\n=1", "＝1", "a,b", "a;b", "a\"b", "a\nb", "a\r\nb"]
        for name in names {
            let csv = MonthlyReport(
                month: "2026-11", facts: [fact(.high, ackAfter: 30, slaMinutes: 60)], escalations: 0, officerNames: [1: name],
                now: later
            ).csv()
            let rows = Self.parseCSV(csv)
            #expect(rows.allSatisfy { $0.count == 4 }, "\(name.debugDescription)")
            let cells = rows.filter { $0[0] == "acknowledgement_by_officer" }.map { $0[1] }
            #expect(cells.count == 5 && cells.allSatisfy { $0 == name || $0 == "'" + name }, "\(name.debugDescription)")
            #expect(rows.flatMap { $0 }.allSatisfy { $0.unicodeScalars.first.map(CSVField.formulaStarters.contains) != true })
        }
    }

    /// RFC 4180 as a spreadsheet reads it: quoted fields may hold separators, quotes (doubled) and line breaks.
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var scalars = Array(text.unicodeScalars)[...]
        while let scalar = scalars.popFirst() {
            if quoted {
                if scalar == "\"" {
                    if scalars.first == "\"" {
                        field.unicodeScalars.append(scalars.removeFirst())
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(scalar)
                }
            } else if scalar == "\"" && field.isEmpty {
                quoted = true
            } else if scalar == "," {
                row.append(field)
                field = ""
            } else if scalar == "\n" || scalar == "\r" {
                if scalar == "\r", scalars.first == "\n" { scalars.removeFirst() }
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else {
                field.unicodeScalars.append(scalar)
            }
        }
        if !field.isEmpty || !row.isEmpty { rows.append(row + [field]) }
        return rows
    }

    @Test("months are London months: November starts at midnight GMT, July at 23:00 UTC the day before")
    func londonMonths() throws {
        let november = try #require(MonthlyReport.bounds(of: "2026-11"))
        #expect(november.start == Date(timeIntervalSince1970: 1_793_491_200))  // 2026-11-01T00:00:00Z
        let july = try #require(MonthlyReport.bounds(of: "2026-07"))
        #expect(july.start == Date(timeIntervalSince1970: 1_782_860_400))  // 2026-06-30T23:00:00Z
        #expect(MonthlyReport.bounds(of: "2026-13") == nil && MonthlyReport.bounds(of: "November") == nil)
    }

    @Test("charts are labelled SVG with the figures written on them")
    func charts() {
        let report = MonthlyReport(
            month: "2026-11", facts: [fact(.emergency, ackAfter: 5, slaMinutes: 15)], escalations: 0, officerNames: [:],
            now: later)
        let charts = report.charts()
        #expect(charts.map(\.title) == ["Cases by priority", "Cases by channel", "Acknowledged within the SLA, by priority"])
        let svg = charts.map(\.svg)
        #expect(svg[0].contains(#"role="img""#) && svg[0].contains("<title>Cases by priority</title>"))
        #expect(svg[2].contains(">100%</text>"))
    }

    @Test("a case still inside its time counts neither way within the SLA: none due yet is not 0%")
    func notYetDueIsNotMissed() {
        let opened = start.addingTimeInterval(3600)
        let waiting = fact(.emergency, ackAfter: nil, slaMinutes: 15)
        let report = MonthlyReport(
            month: "2026-11", facts: [waiting], escalations: 0, officerNames: [:], now: opened.addingTimeInterval(60))
        #expect(report.acknowledgement["emergency"]?.cases == 1)
        #expect(report.acknowledgement["emergency"]?.withinSLA == nil)
        #expect(report.charts()[2].svg.contains(">none due yet</text>"))
        // Once its deadline has passed unacknowledged, it is missed.
        let after = MonthlyReport(
            month: "2026-11", facts: [waiting], escalations: 0, officerNames: [:], now: opened.addingTimeInterval(16 * 60))
        #expect(after.acknowledgement["emergency"]?.withinSLA == 0)
        // One acknowledged in time and one still waiting: 100% of those decided.
        let mixed = MonthlyReport(
            month: "2026-11", facts: [waiting, fact(.emergency, ackAfter: 5, slaMinutes: 15)], escalations: 0, officerNames: [:],
            now: opened.addingTimeInterval(10 * 60))
        #expect(mixed.acknowledgement["emergency"]?.withinSLA == 1)
    }
}
