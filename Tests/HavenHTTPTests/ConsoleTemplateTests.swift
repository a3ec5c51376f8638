import Foundation
import HavenCore
import HavenServices
import HavenSettings
import Testing

@testable import HavenHTTP

/// The folder of golden console pages: what each template rendered with `samples` when the
/// templates were Swift strings. Moving them to files had to change no byte.
let consoleGolden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("ConsoleGolden")

@Suite("Console templates")
struct ConsoleTemplateTests {
    /// Every template with everything it can show (each section on, values needing escaping), and
    /// with nothing at all (every inverted section on).
    static func samples() -> [(name: String, context: [String: Any])] {
        let officer: [String: Any] = ["name": "Sam O'Brien <duty>"]
        let layout: [String: Any] = [
            "title": "Case HV-AB12-CD34", "officer": officer, "role": "duty_manager", "csrf": "c5rf&token",
            "canReport": true, "canAdminister": true,
        ]
        let pages: [String: [String: Any]] = [
            "layout": [:],
            "login": [
                "title": "Log in", "next": "/console/cases/HV-1?x=\"1\"", "email": "sam@landlord.example", "error": "Wrong details.",
            ],
            "enrol": [
                "title": "Set up", "token": "tok_en-1", "error": "Codes differ.", "base32": "JBSWY3DPEHPK3PXP",
                "otpauth": "otpauth://totp/Haven:sam?secret=JBSWY3DPEHPK3PXP&issuer=Haven", "minimum": 12,
                "qr": try! QRCode.encode("otpauth://totp/Haven:sam?secret=JBSWY3DPEHPK3PXP&issuer=Haven").svg(label: "QR <code>"),
            ],
            "message": [
                "title": "Too many attempts", "text": "Wait a minute & try again.", "link": "/console/login", "linkText": "Log in",
            ],
            "queue": [
                "heading": "All open cases", "supervisor": true, "hasCases": true, "filtering": true, "status": "overdue",
                "searchValue": "hv <7k3m>", "searchProblem": "No case HV-7K3M-9QX2 that you can open.",
                "tabs": [
                    ["label": "Awaiting acknowledgement", "count": 12, "href": "/console?area=N&officer=1", "current": false],
                    ["label": "Overdue", "count": 3, "href": "/console?status=overdue", "current": true, "late": true],
                ],
                "showing": "Showing 2 of 3 overdue, most urgent first.", "hasPages": true,
                "previous": "/console?before=1-2&area=<n>", "next": "/console?after=3-4", "firstPage": "/console?status=overdue",
                "hasOverdue": true, "overdueCount": 1,
                "overdueByOfficer": [["id": "1", "name": "Sam <duty>", "count": 1, "oldest": "overdue by 5 minutes"]],
                "filterOfficers": [["id": 1, "name": "Sam", "selected": true], ["id": 2, "name": "Dana", "selected": false]],
                "filterAreas": [["value": "NORTH", "selected": true], ["value": "SOUTH"]],
                "filterChannels": [["value": "web", "selected": true]],
                "filterPriorities": [["value": "emergency"], ["value": "high", "selected": true]],
                "cases": [
                    [
                        "reference": "HV-AB12-CD34", "priority": "emergency", "overdue": true, "deadline": "2 Dec 09:15",
                        "dueWords": "overdue by 5 minutes", "officerName": "Sam",
                    ],
                    [
                        "reference": "HV-EF56-GH78", "priority": "standard", "overdue": false, "deadline": "3 Dec 17:00",
                        "dueWords": "acknowledged", "acknowledged": true, "officerName": "Dana & co",
                    ],
                ],
            ],
            "case": [
                "reference": "HV-AB12-CD34", "priority": "high", "aliasReference": "HV-ZZ99-YY88", "noContact": true,
                "textAllowed": false, "methods": "phone call, email", "phone": "+44 7700 900123", "email": "t@example.org",
                "safeTimes": "mon-fri 09:00-12:00", "safeNow": true, "voicemail": true, "codeWord": "bluebell",
                "hasCodeWord": true, "thirdParty": "her sister <Ann>", "female": true, "femaleUnmet": true,
                "needs": "language: Polish; interpreter", "reporter": "neighbour", "aware": "yes",
                "receivesTexts": false, "textsGoTo": "HV-QQ11-RR22", "canLink": true, "hasRelated": true,
                "related": [["reference": "HV-QQ11-RR22", "status": "open", "channel": "sms", "holds": true]],
                "dueText": "Acknowledge within 5 minutes: by 2 Dec 09:15 <UK>", "dueClass": "pending", "nextAck": true,
                "nextContact": true, "nextRisk": true, "openContact": true, "openRisk": true, "hasAllowedMethod": true,
                "risk": [
                    "levelClass": "emergency", "level": "high", "score": 14, "questions": 24, "judgement": true,
                    "at": "2 Dec 08:30", "who": "Sam", "marac": true, "versions": 2,
                ],
                "consents": [
                    ["name": "Police", "agency": "police", "state": "given"], ["name": "IDVA", "agency": "idva", "state": "not asked"],
                ],
                "csrf": "c5rf&token", "hasEvents": true,
                "events": [
                    ["at": "2 Dec 08:05", "who": "Sam", "what": "phone call: no answer", "flags": "voicemail", "note": "Line 1\nLine <2>"]
                ],
                "canText": true, "noTextReason": "no sending provider",
                "contactMethods": [["value": "call", "label": "phone call"]],
                "contactOutcomes": [["value": "reached", "label": "reached"]],
                "priorities": [["value": "emergency"], ["value": "high", "selected": true]], "legalHold": true, "supervisor": true,
                "staffList": [["id": 3, "name": "Ana", "female": true]], "closed": true, "closedOutcome": "moved out",
                "retainUntil": "2 Dec 2031", "closingOutcomes": [["value": "resolved", "label": "resolved"]], "noiseReview": true,
                "reports": [
                    [
                        "number": 1, "danger": true, "triggers": "noise complaint", "message": "He shouts & throws things.",
                        "latest": true, "at": "2 Dec 07:59", "channel": "by the website",
                        "survivor": "Flat 2, OX14 1AA", "reporterContact": "Jo, neighbour",
                        "takenBy": "Ana <contact centre>, on the phone (phone line)",
                    ]
                ],
                "assignee": "Sam", "decisions": ["area NORTH", "female officer requested"],
                "timeline": [["at": "2 Dec 08:00", "words": "Sam <duty> read the case (2 times)"]],
                "timelinePaged": true, "timelineLink": "/console/cases/HV-ZZ99-YY88", "olderTimeline": "412",
            ],
            "risk": [
                "reference": "HV-AB12-CD34", "checklist": "Dash RIC (24 questions)", "error": "Answer every question.",
                "csrf": "c5rf&token",
                "questions": [
                    [
                        "number": 1, "text": "Is the current incident \"serious\"?",
                        "options": [["value": "yes", "label": "yes", "checked": true], ["value": "no", "label": "no"]],
                    ]
                ],
            ],
            "referral-blocked": [
                "agencyName": "Police & Crime", "asked": true, "reference": "HV-AB12-CD34", "agency": "police", "csrf": "c5rf&token",
            ],
            "referral": [
                "title": "Referral", "reference": "HV-AB12-CD34", "agencyName": "MARAC", "basis": "with consent",
                "preparedBy": "Sam", "preparedAt": "2 Dec 10:00", "priority": "high", "riskLevel": "high",
                "methods": "phone call", "phone": "+44 7700 900123", "safeTimes": "mornings", "voicemail": true,
                "textAllowed": false, "female": true, "needs": "none stated",
                "reports": [["message": "What happened <here>.", "survivor": "Flat 2"]],
            ],
            "concern": ["title": "Raise a concern", "error": "Say what you noticed.", "csrf": "c5rf&token"],
            "record": [
                "title": "Record a report", "error": "Some answers need another look.", "csrf": "c5rf&token",
                "submissionID": "sub-1",
                "sections": TakenReportForm.context(
                    posted: ReportFields(pairs: [
                        ("channel", "phone"), ("taken_place", "phone_line"), ("message", "He said \"<stay>\" & left"),
                        ("safety.methods", "call"), ("safety.methods", "text"), ("safety.safe_days", "mon"),
                        ("female_officer", "yes"), ("safety.phone", "not a number"),
                    ]),
                    problems: [FieldProblem(field: "safety.phone", problem: .invalidPhone)]),
            ],
            "staff": [
                "notice": "Saved.", "error": "That e-mail is taken.", "csrf": "c5rf&token",
                "staff": [
                    [
                        "id": 4, "name": "Dana", "email": "dana@landlord.example", "role": "officer", "active": false,
                        "roles": [["value": "officer", "selected": true], ["value": "head"]], "areas": "NORTH, SOUTH",
                        "shifts": "mon-fri 09:00-17:00", "female": true, "onCall": true,
                    ],
                    [
                        "id": 5, "name": "Eve <new>", "email": "eve@landlord.example", "role": "duty_manager", "active": true,
                        "roles": [["value": "duty_manager", "selected": true]], "areas": "NORTH", "shifts": "",
                        "grantable": true, "grantAreas": "",
                    ],
                    [
                        "id": 6, "name": "Cal", "email": "cal@landlord.example", "role": "officer", "active": true,
                        "roles": [["value": "officer", "selected": true]], "areas": "", "shifts": "", "keyless": true,
                    ],
                ],
                "roleChoices": [["value": "officer"], ["value": "duty_manager"]],
                "alertsLeaveBy": "SMTP smtp://relay.example:587",
                "testAlertChoices": [
                    ["id": 4, "name": "Dana (officer #4)", "email": "dana@landlord.example", "selected": true],
                    ["id": 5, "name": "Eve <new> (duty manager #5)", "email": "eve@landlord.example"],
                ],
                "areas": [["code": "NORTH", "name": "North & East", "districts": "OX14, OX13", "named": "Dana"]],
                "officerChoices": [["id": 4, "name": "Dana"]], "smsProviders": "twilio", "textsOut": true,
                "retention": "default=6y",
            ],
            "monthly": [
                "month": "2025-11", "cases": 12, "escalations": 2, "femaleRequested": 3, "femaleHonoured": 2,
                "charts": [["title": "Cases <by priority>", "svg": "<svg role=\"img\"><title>Cases</title></svg>"]],
                "previous": "2025-10", "next": "2025-12", "current": "2026-12",
                "ackByPriority": [["group": "emergency", "cases": 2, "done": 2, "median": 7, "p90": 12, "within": "100%"]],
                "ackByOfficer": [["group": "Sam <duty>", "cases": 5, "done": 4, "median": 30, "p90": 95, "within": "80%"]],
                "contactByPriority": [["group": "high", "cases": 4, "done": 3, "median": 60, "p90": 240]],
                "outcomes": [["group": "resolved", "count": 7]],
            ],
        ]
        return pages.keys.sorted().flatMap { name in
            [(name, layout.merging(pages[name]!) { $1 }), (name + "-empty", [:])]
        }
    }

    static func render(_ pages: ConsolePages, _ sample: String, _ context: [String: Any]) -> String {
        let template = sample.hasSuffix("-empty") ? String(sample.dropLast("-empty".count)) : sample
        return pages.render(template, context)
    }

    @Test("every console template renders exactly the golden page")
    func golden() throws {
        let console = try ConsolePages(directory: consoleTemplates)
        // UPDATE_CONSOLE_GOLDEN=1 writes the pages afresh, after a deliberate change to a template.
        let update = ProcessInfo.processInfo.environment["UPDATE_CONSOLE_GOLDEN"] == "1"
        if update { try FileManager.default.createDirectory(at: consoleGolden, withIntermediateDirectories: true) }
        let pages = Self.samples().map { ("\($0.name).html", Self.render(console, $0.name, $0.context)) }
        for (name, html) in pages + [("console.css", console.stylesheet)] {
            #expect(!html.isEmpty, "\(name) rendered nothing")
            let file = consoleGolden.appendingPathComponent(name)
            if update {
                try Data(html.utf8).write(to: file)
            } else {
                let golden = try String(contentsOf: file, encoding: .utf8)
                #expect(html == golden, "\(name) differs from \(file.path) (UPDATE_CONSOLE_GOLDEN=1 if the change is meant)")
            }
        }
    }

    @Test("every template the console renders is in the folder, and the folder holds no other")
    func everyTemplateIsLoaded() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: consoleTemplates.path).sorted()
        #expect(files == (ConsolePages.names.map { "\($0).mustache" } + ["console.css"]).sorted())
    }

    @Test("a missing folder, a missing or broken template, or no stylesheet stops start-up, naming the file")
    func brokenFolderStopsStartUp() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("haven-console-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        func startUp(_ folder: URL) async throws -> String {
            let config = try HavenConfig.resolve(environment: [
                "HAVEN_DATA_DIR": work.appendingPathComponent("data").path, "HAVEN_CONSOLE_DIR": folder.path,
                "HAVEN_SITE_DIR": "off",
            ])
            let error = #expect(throws: ConsolePages.LoadError.self) {
                try ConfiguredParts.loadConsole(config: config)
            }
            return error?.description ?? ""
        }
        let nowhere = work.appendingPathComponent("nowhere")
        #expect(try await startUp(nowhere).contains("\(nowhere.path): no such folder (set HAVEN_CONSOLE_DIR"))

        let folder = work.appendingPathComponent("ConsoleTemplates")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: consoleTemplates, to: folder)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("case.mustache"))
        try FileManager.default.removeItem(at: folder.appendingPathComponent("console.css"))
        let staff = folder.appendingPathComponent("staff.mustache")
        let text = try String(contentsOf: staff, encoding: .utf8)
        // A section closed twice, on line 3 of the file.
        try Data(text.replacingOccurrences(of: "{{/notice}}", with: "{{/notice}}{{/notice}}").utf8).write(to: staff)
        let problems = try await startUp(folder)
        #expect(problems.contains("\(folder.path)/case.mustache: cannot be read"))
        #expect(problems.contains("\(folder.path)/console.css: cannot be read"))
        #expect(problems.contains("\(folder.path)/staff.mustache: line 3, column"))
    }
}
