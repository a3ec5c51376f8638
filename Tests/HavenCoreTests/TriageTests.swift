import Foundation
import Testing

@testable import HavenCore

/// A Wednesday, 10:30 in London (GMT in November).
let weekdayMorning = london("2026-11-25 10:30")
/// A Saturday, 23:00 in London.
let saturdayNight = london("2026-11-28 23:00")

func london(_ text: String) -> Date {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_GB")
    formatter.timeZone = TimeZone(identifier: "Europe/London")
    formatter.dateFormat = "yyyy-MM-dd HH:mm"
    return formatter.date(from: text)!
}

let officeHours = SafeTimeWindow(parsing: "mon-fri 09:00-17:00")!

@Suite("Triage priority")
struct PriorityTests {
    @Test(arguments: [
        (true, "", Priority.emergency),
        (true, "he has a knife", .emergency),
        (false, "he threatened to kill me", .high),
        (false, "He STRANGLED me last week", .high),
        (false, "there are knives in the kitchen", .high),
        (false, "I am pregnant", .high),
        (false, "he said he'd come back tonight", .high),
        (false, "he has a gun", .high),
        (false, "thoughts of suicide", .high),
        (false, "he shouts at me and takes my money", .standard),
        (false, "my skills are not valued", .standard),  // 'kill' only at a word start
        (false, "the gunwale of the boat", .high),  // prefixes match: conservative by design
        (false, "", .standard),
    ])
    func priority(danger: Bool, message: String, expected: Priority) {
        #expect(Triage().priority(immediateDanger: danger, message: message).0 == expected)
    }

    @Test func configuredRiskWordsReplaceTheDefaults() {
        let triage = Triage(riskWords: RiskWords(terms: ["Machete"]))
        #expect(triage.priority(immediateDanger: false, message: "a machete").0 == .high)
        #expect(triage.priority(immediateDanger: false, message: "a knife").0 == .standard)
    }

    @Test func reasonNeverQuotesTheReport() {
        let (_, reason) = Triage().priority(immediateDanger: false, message: "he has a knife")
        #expect(!reason.contains("knife"))
    }
}

@Suite("Triage assignment")
struct AssignmentTests {
    let north = Area(code: "NORTH", name: "North", districts: ["OX14", "OX13"])
    let south = Area(code: "SOUTH", name: "South", districts: ["OX11"], namedOfficerID: 3)

    func decide(_ roster: Roster, postcode: String? = "OX14 3DB", female: Bool = false, at now: Date = weekdayMorning)
        -> TriageDecision
    {
        Triage().decide(
            immediateDanger: false, message: "x", postcode: postcode, femaleOfficerRequested: female, roster: roster,
            now: now)
    }

    @Test func oneOfficerWithNoAreasOrRotaCoversEverythingAlways() {
        let roster = Roster(officers: [Officer(id: 1, name: "Solo", email: "s@x")], areas: [north])
        for (postcode, time) in [("OX14 3DB", weekdayMorning), (nil, saturdayNight), ("ZZ1 1ZZ", saturdayNight)] {
            #expect(decide(roster, postcode: postcode, at: time).officerID == 1)
        }
    }

    @Test func areaByPostcodeDistrictAndDefaultTeamOtherwise() {
        let roster = Roster(
            officers: [
                Officer(id: 1, name: "North", email: "n@x", areas: ["NORTH"]),
                Officer(id: 2, name: "Default", email: "d@x"),
            ], areas: [north], openCases: [2: 5])
        let inArea = decide(roster, postcode: "ox14 3db")
        #expect(inArea.officerID == 1)
        #expect(inArea.areaCode == "NORTH")
        let noArea = decide(roster, postcode: "SW1A 1AA")
        #expect(noArea.officerID == 2)
        #expect(noArea.areaCode == nil)
        #expect(noArea.reasons.contains("no area: default team"))
    }

    @Test func namedOfficerPreferredElseLeastLoadedTieByID() {
        let officers = [
            Officer(id: 1, name: "A", email: "a@x"), Officer(id: 2, name: "B", email: "b@x"),
            Officer(id: 3, name: "C", email: "c@x"),
        ]
        #expect(decide(Roster(officers: officers, areas: [south], openCases: [3: 9]), postcode: "OX11 0AA").officerID == 3)
        #expect(decide(Roster(officers: officers, areas: [], openCases: [1: 2, 2: 1, 3: 1])).officerID == 2)
        #expect(decide(Roster(officers: officers, areas: [], openCases: [:])).officerID == 1)
    }

    @Test func rotaOnShiftThenOnCallOutOfHours() {
        let roster = Roster(
            officers: [
                Officer(id: 1, name: "Day", email: "d@x", shifts: [officeHours]),
                Officer(id: 2, name: "Night", email: "n@x", shifts: [officeHours], onCall: true),
            ], openCases: [2: 3])
        #expect(decide(roster, at: weekdayMorning).officerID == 1)
        let night = decide(roster, at: saturdayNight)
        #expect(night.officerID == 2)
        #expect(night.reasons.contains("out of hours: on-call officer"))
    }

    @Test func inactiveAndManagersAreNotFirstChoice() {
        let roster = Roster(officers: [
            Officer(id: 1, name: "Gone", email: "g@x", active: false),
            Officer(id: 2, name: "Boss", email: "b@x", role: .dutyManager),
            Officer(id: 3, name: "Here", email: "h@x"),
        ])
        #expect(decide(roster).officerID == 3)
    }

    @Test func femaleRequestHonouredWhenPossible() {
        let roster = Roster(
            officers: [
                Officer(id: 1, name: "M", email: "m@x"), Officer(id: 2, name: "F", email: "f@x", isFemale: true),
            ], openCases: [2: 10])
        let decision = decide(roster, female: true)
        #expect(decision.officerID == 2)
        #expect(!decision.femaleRequestUnmet)
    }

    @Test func femaleRequestUnmetGoesToDutyManagerAndSaysSo() {
        let roster = Roster(officers: [
            Officer(id: 1, name: "M", email: "m@x"),
            Officer(id: 5, name: "Duty", email: "duty@x", role: .dutyManager),
        ])
        let decision = decide(roster, female: true)
        #expect(decision.officerID == 5)
        #expect(decision.femaleRequestUnmet)
        #expect(decision.reasons.contains { $0.contains("female officer requested, none eligible") })
    }

    @Test func nobodyAtAllIsUnassignedNotDropped() {
        let decision = decide(Roster(officers: []))
        #expect(decision.officerID == nil)
        #expect(decision.reasons.contains("no active staff: unassigned"))
    }

    @Test func escalationLevels() {
        let roster = Roster(officers: [
            Officer(id: 1, name: "O", email: "o@x"), Officer(id: 2, name: "D", email: "d@x", role: .dutyManager),
            Officer(id: 3, name: "H", email: "h@x", role: .head),
        ])
        #expect(Triage().escalationRecipients(level: 1, roster: roster, now: weekdayMorning).map(\.id) == [2])
        #expect(Triage().escalationRecipients(level: 2, roster: roster, now: weekdayMorning).map(\.id) == [3])
        let noManager = Roster(officers: [Officer(id: 3, name: "H", email: "h@x", role: .head)])
        #expect(Triage().escalationRecipients(level: 1, roster: noManager, now: weekdayMorning).map(\.id) == [3])
    }
}

@Suite("Reassignment rules")
struct ReassignmentTests {
    let manager = Officer(id: 1, name: "Dee", email: "d@x", role: .dutyManager)
    let woman = Officer(id: 2, name: "Asha", email: "a@x", isFemale: true)
    let man = Officer(id: 3, name: "Ben", email: "b@x")

    @Test func femaleRequestBlocksAManUnlessOverriddenWithAReason() {
        #expect(
            Reassignment.check(femaleRequested: true, to: man, by: manager, override: false, reason: "cover")
                == .refused("the survivor asked for a female officer: choose a female officer, or override with a reason"))
        #expect(
            Reassignment.check(femaleRequested: true, to: man, by: manager, override: true, reason: "no woman on duty tonight")
                == .allowed(femaleUnmet: true, flags: ["female officer request overridden"]))
        #expect(
            Reassignment.check(femaleRequested: true, to: woman, by: manager, override: false, reason: "workload")
                == .allowed(femaleUnmet: false, flags: []))
        #expect(
            Reassignment.check(femaleRequested: false, to: man, by: manager, override: false, reason: "workload")
                == .allowed(femaleUnmet: false, flags: []))
    }

    @Test func onlySupervisorsReassignAndAlwaysWithAReason() {
        #expect(
            Reassignment.check(femaleRequested: false, to: man, by: woman, override: false, reason: "x")
                != .allowed(femaleUnmet: false, flags: []))
        #expect(
            Reassignment.check(femaleRequested: true, to: man, by: manager, override: true, reason: "  ")
                == .refused("give a reason for the reassignment"))
        var gone = man
        gone.active = false
        #expect(
            Reassignment.check(femaleRequested: false, to: gone, by: manager, override: false, reason: "x")
                == .refused("that person cannot take cases"))
    }
}
