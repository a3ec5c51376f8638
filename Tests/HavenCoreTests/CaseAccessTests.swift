import Testing

@testable import HavenCore

/// The one rule for who may do what to a case, as every route and the command line ask it.
@Suite("Case access: read, work, acknowledge, grant")
struct CaseAccessTests {
    func person(_ id: Int64, _ role: StaffRole, active: Bool = true) -> Officer {
        var officer = Officer(id: id, name: "Staff \(id)", email: "s\(id)@landlord.example", role: role)
        officer.active = active
        return officer
    }

    @Test("officers work their own cases; supervisors every case; administrators and the inactive none")
    func working() {
        let asha = person(1, .officer)
        #expect(CaseAccess.decide(staff: asha, caseOfficerID: 1, sealed: false, isReader: false) == .allowed)
        #expect(CaseAccess.decide(staff: asha, caseOfficerID: 2, sealed: false, isReader: true) == .notYours)
        #expect(CaseAccess.decide(staff: person(3, .dutyManager), caseOfficerID: 2, sealed: false, isReader: false) == .allowed)
        #expect(CaseAccess.decide(staff: person(4, .head), caseOfficerID: nil, sealed: false, isReader: false) == .allowed)
        #expect(CaseAccess.decide(staff: person(5, .admin), caseOfficerID: 5, sealed: false, isReader: true) == .notYours)
        #expect(CaseAccess.decide(staff: person(1, .officer, active: false), caseOfficerID: 1, sealed: false, isReader: true) == .notYours)
        // Sealed to readers: theirs to work is not enough without a copy of its key.
        #expect(CaseAccess.decide(staff: asha, caseOfficerID: 1, sealed: true, isReader: false) == .cannotRead)
        #expect(CaseAccess.decide(staff: asha, caseOfficerID: 1, sealed: true, isReader: true) == .allowed)
    }

    @Test("only a head grants, only to someone else active who takes cases; an officer gets only their own cases")
    func granting() {
        let head = person(1, .head)
        #expect(CaseAccess.mayGrant(by: head, to: person(2, .officer)))
        #expect(CaseAccess.mayGrant(by: head, to: person(3, .dutyManager)))
        #expect(CaseAccess.mayGrant(by: head, to: person(4, .head)))
        #expect(!CaseAccess.mayGrant(by: head, to: person(5, .admin)))
        #expect(!CaseAccess.mayGrant(by: head, to: head))
        #expect(!CaseAccess.mayGrant(by: head, to: person(6, .officer, active: false)))
        #expect(!CaseAccess.mayGrant(by: person(7, .dutyManager), to: person(2, .officer)))
        #expect(!CaseAccess.mayGrant(by: person(8, .admin), to: person(8, .admin)))
        #expect(!CaseAccess.mayGrant(by: person(1, .head, active: false), to: person(2, .officer)))
        #expect(CaseAccess.grantCovers(targetID: 2, targetRole: .officer, caseOfficerID: 2))
        #expect(!CaseAccess.grantCovers(targetID: 2, targetRole: .officer, caseOfficerID: 9))
        #expect(CaseAccess.grantCovers(targetID: 3, targetRole: .dutyManager, caseOfficerID: 9))
    }

    @Test("what each role may do besides cases")
    func roles() {
        #expect(StaffRole.allCases.filter(\.supervises) == [.dutyManager, .head])
        #expect(StaffRole.allCases.filter(\.administers) == [.head, .admin])
        #expect(StaffRole.allCases.filter(\.takesCases) == [.officer, .dutyManager, .head])
        #expect(StaffRole.allCases.filter(\.seesFigures) == [.dutyManager, .head, .admin])
    }
}
