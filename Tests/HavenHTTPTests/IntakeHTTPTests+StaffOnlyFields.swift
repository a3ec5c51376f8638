import Foundation
import HavenAlerts
import HavenCore
import HavenServices
import HavenSettings
import HavenStore
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HavenHTTP

/// Fields only staff and contractors may send.
extension IntakeHTTPTests {
    // Finding 9.
    @Test("the anonymous API and the website refuse staff-only fields; a contractor's token may send them")
    func staffOnlyFields() async throws {
        let f = try await ConsoleFixture()
        _ = try await f.account("Asha")
        let contractorToken = OfficerToken.generate()
        _ = try await f.stores.concerns.addContractor(name: "Acme Repairs", tokenHash: OfficerToken.hash(contractorToken))
        try await f.http.test { client in
            for body in [
                #"{"message":"a concern","reporter":"staff"}"#, #"{"message":"a concern","triggers":["noise_complaint"]}"#,
            ] {
                let response = try await client.postJSON("/api/v1/reports", body)
                #expect(response.status == .unprocessableContent, "\(body)")
                #expect(response.text.contains("staff_only"), "\(response.text)")
            }
            #expect(try await f.http.reportCount() == 0)
            let concern = try await client.postJSON(
                "/api/v1/concerns", #"{"message":"Door kicked in","triggers":["broken_internal_lock"]}"#,
                headers: [.authorization: "Bearer \(contractorToken)"])
            #expect(concern.status == .created, "\(concern.text)")
        }
        let site = try await SiteHTTPTests.fixture()
        try await site.test { client in
            for extra in [[("reporter", "staff")], [("reporter", "third_party"), ("triggers", "noise_complaint")]] {
                let page = try await client.sendForm(
                    "/contact-other", [("form", "other"), ("message", "Bathroom door lock smashed"), ("safety.methods", "")] + extra
                ).page
                #expect(page.text.contains("Something in the form could not be read"), "\(extra)")
            }
            #expect(try await site.reportCount() == 0)
            // The website no longer offers "staff or a contractor".
            let form = try await client.execute(uri: "/contact-other", method: .get)
            // (Our own attribute values are written without quotes: the site is kept light.)
            #expect(form.status == .ok && form.text.contains(/value="?professional"?[ >]/))
            #expect(!form.text.contains(/value="?staff"?[ >]/))
        }
    }
}
