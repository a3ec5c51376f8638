import Foundation

/// The report as CSV (one figure per row), plain text for the terminal, and inline SVG charts.
extension MonthlyReport {
    static let priorities = ["emergency", "high", "standard"]

    private static func number(_ value: Double?) -> String {
        value.map { String(format: "%.1f", $0) } ?? ""
    }

    private static func percent(_ value: Double?) -> String {
        value.map { String(format: "%.0f%%", $0 * 100) } ?? ""
    }

    /// `section,group,measure,value` rows: easy to pivot in a spreadsheet. Every text field goes
    /// through `CSVField` (an officer's name is typed by people); values are numbers Haven made.
    public func csv() -> String {
        var rows = ["section,group,measure,value", Self.row("cases", "all", "count", "\(cases)")]
        for (section, counts) in [("channel", byChannel), ("reporter", byReporter), ("priority", byPriority), ("outcome", outcomes)] {
            for key in counts.keys.sorted() { rows.append(Self.row(section, key, "count", "\(counts[key]!)")) }
        }
        for (section, table) in [
            ("acknowledgement_by_priority", acknowledgement), ("acknowledgement_by_officer", acknowledgementByOfficer),
            ("first_contact_by_priority", firstContact), ("first_contact_by_officer", firstContactByOfficer),
        ] {
            for key in table.keys.sorted() {
                let t = table[key]!
                rows.append(Self.row(section, key, "cases", "\(t.cases)"))
                rows.append(Self.row(section, key, "done", "\(t.done)"))
                rows.append(Self.row(section, key, "median_minutes", Self.number(t.medianMinutes)))
                rows.append(Self.row(section, key, "p90_minutes", Self.number(t.p90Minutes)))
                if let within = t.withinSLA { rows.append(Self.row(section, key, "within_sla", String(format: "%.3f", within))) }
            }
        }
        rows.append(Self.row("escalations", "all", "count", "\(escalations)"))
        rows.append(Self.row("female_officer", "all", "requested", "\(femaleRequested)"))
        rows.append(Self.row("female_officer", "all", "honoured", "\(femaleHonoured)"))
        return rows.joined(separator: "\n") + "\n"
    }

    private static func row(_ section: String, _ group: String, _ measure: String, _ value: String) -> String {
        [CSVField.text(section), CSVField.text(group), CSVField.text(measure), value].joined(separator: ",")
    }

    /// For the terminal.
    public func text() -> String {
        var lines = ["Haven monthly report \(month): \(cases) cases"]
        func counts(_ title: String, _ values: [String: Int]) {
            lines.append("\(title): " + values.keys.sorted().map { "\($0) \(values[$0]!)" }.joined(separator: ", "))
        }
        counts("by channel", byChannel)
        counts("by reporter", byReporter)
        counts("by priority", byPriority)
        lines.append("time to acknowledgement (minutes): priority, cases, median, 90th percentile, within SLA")
        for key in Self.priorities where acknowledgement[key] != nil {
            let t = acknowledgement[key]!
            lines.append(
                "  \(key)  \(t.cases)  \(Self.number(t.medianMinutes))  \(Self.number(t.p90Minutes))  \(Self.percent(t.withinSLA))")
        }
        lines.append("time to first safe contact (minutes): priority, reached, median, 90th percentile")
        for key in Self.priorities where firstContact[key] != nil {
            let t = firstContact[key]!
            lines.append("  \(key)  \(t.done) of \(t.cases)  \(Self.number(t.medianMinutes))  \(Self.number(t.p90Minutes))")
        }
        lines.append("by officer (acknowledgement): cases, median, 90th percentile, within SLA")
        for key in acknowledgementByOfficer.keys.sorted() {
            let t = acknowledgementByOfficer[key]!
            lines.append(
                "  \(key)  \(t.cases)  \(Self.number(t.medianMinutes))  \(Self.number(t.p90Minutes))  \(Self.percent(t.withinSLA))")
        }
        lines.append("escalations: \(escalations)")
        lines.append("female officer requested: \(femaleRequested), honoured: \(femaleHonoured)")
        counts("outcomes", outcomes)
        return lines.joined(separator: "\n") + "\n"
    }

    /// A horizontal bar chart as inline SVG, labelled for screen readers (a table follows it too).
    public static func barChart(title: String, bars: [(label: String, value: Double, text: String)], maximum: Double? = nil)
        -> String
    {
        let top = max(maximum ?? bars.map(\.value).max() ?? 1, 0.0001)
        let rowHeight = 28
        let height = rowHeight * max(bars.count, 1) + 8
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="\(escape(title))" width="480" height="\(height)" viewBox="0 0 480 \(height)">
            <title>\(escape(title))</title>
            """
        for (index, bar) in bars.enumerated() {
            let y = index * rowHeight + 4
            let width = Int((bar.value / top) * 260)
            svg += """
                <text x="0" y="\(y + 18)" font-size="14" fill="#0b0c0c">\(escape(bar.label))</text>
                <rect x="140" y="\(y + 4)" width="\(width)" height="18" fill="#1d4f91"/>
                <text x="\(146 + width)" y="\(y + 18)" font-size="14" fill="#0b0c0c">\(escape(bar.text))</text>
                """
        }
        return svg + "</svg>"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// The charts the console shows: cases by priority and channel, share acknowledged in time.
    /// Each with its title, which the page shows as the chart's heading.
    public func charts() -> [(title: String, svg: String)] {
        let charts: [(String, [(label: String, value: Double, text: String)], Double?)] = [
            ("Cases by priority", Self.priorities.map { ($0, Double(byPriority[$0] ?? 0), "\(byPriority[$0] ?? 0)") }, nil),
            ("Cases by channel", byChannel.keys.sorted().map { ($0, Double(byChannel[$0]!), "\(byChannel[$0]!)") }, nil),
            (
                "Acknowledged within the SLA, by priority",
                Self.priorities.compactMap { key in
                    acknowledgement[key].map { (key, $0.withinSLA ?? 0, $0.withinSLA == nil ? "none due yet" : Self.percent($0.withinSLA)) }
                }, 1
            ),
        ]
        return charts.map { title, bars, maximum in (title, Self.barChart(title: title, bars: bars, maximum: maximum)) }
    }
}
