import Testing

@testable import HavenCore

/// The one address rule (`ContactAddress.normalizedEmail`) and `Mailbox`, which every entry uses:
/// intake fields, staff from the CLI and the console, HAVEN_SMTP_FROM, the alert composer.
@Suite("E-mail addresses")
struct EmailAddressTests {
    @Test(
        "addresses people use are taken",
        arguments: [
            "asha@landlord.org.uk", " Asha.Okafor@Landlord.ORG ", "a+alerts@x.example", "o'brien@x.example",
            "first.last-1@sub.domain.example", "zoë@exämple.org", "a@b.c",
        ])
    func accepted(_ text: String) {
        #expect(ContactAddress.normalizedEmail(text) == text.trimmingCharacters(in: .whitespaces))
    }

    @Test(
        "anything that could add a header, a recipient or a command is refused",
        arguments: [
            "a@b.example\r\nBcc: x@evil.example", "a@b.example\nBcc: x@evil.example", "a@b.example\rBcc: x@evil.example",
            "a@b.example\u{0}", "a\u{0}@b.example", "a@b.example\u{85}x", "a@b.example\u{2028}x", "a@b.example\u{7F}",
            "a,x@evil.example", "a;x@evil.example", "<x@evil.example", "a@b.example>,<x@evil.example", "a b@c.example",
            "\"a\"@b.example", "a@[127.0.0.1]", "a@b", "a@b..example", "a..b@c.example", ".a@b.example", "a.@b.example",
            "a@-b.example", "a@b-.example", "a@b.example.", "@b.example", "a@", "a@b@c.example", "a@b\u{202E}.example",
        ])
    func refused(_ text: String) {
        #expect(ContactAddress.normalizedEmail(text) == nil)
        #expect(Mailbox(text) == nil)
    }

    @Test(
        "a mailbox is a bare address or a display name with the address in angle brackets",
        arguments: [
            ("haven@landlord.example", nil, "haven@landlord.example"),
            ("<haven@landlord.example>", nil, "haven@landlord.example"),
            ("Haven <haven@landlord.example>", "Haven", "haven@landlord.example"),
            ("  Haven alerts   <haven@landlord.example> ", "Haven alerts", "haven@landlord.example"),
            ("\"Haven, alerts\" <haven@landlord.example>", "Haven, alerts", "haven@landlord.example"),
            ("\"Say \\\"hi\\\"\" <haven@landlord.example>", "Say \"hi\"", "haven@landlord.example"),
            ("Hafan Cymru – rhybuddion <haven@landlord.example>", "Hafan Cymru – rhybuddion", "haven@landlord.example"),
        ] as [(String, String?, String)])
    func mailboxes(text: String, name: String?, address: String) throws {
        let mailbox = try #require(Mailbox(text))
        #expect(mailbox.displayName == name)
        #expect(mailbox.address == address)
    }

    @Test func aHostWithoutADotOnlyWhenAsked() {
        #expect(ContactAddress.normalizedEmail("haven@localhost") == nil)
        #expect(ContactAddress.normalizedEmail("haven@localhost", singleLabelDomain: true) == "haven@localhost")
        #expect(Mailbox("Haven <haven@localhost>", singleLabelDomain: true)?.address == "haven@localhost")
        #expect(ContactAddress.normalizedEmail("haven@localhost\r\nBcc: x@evil", singleLabelDomain: true) == nil)
    }

    @Test(
        "a display name with a line break, a control or a stray quote or bracket is refused",
        arguments: [
            "Haven\r\nBcc: x@evil.example <haven@landlord.example>", "\"Haven\r\nBcc: x\" <haven@landlord.example>",
            "Haven\u{0} <haven@landlord.example>", "Ha\tven <haven@landlord.example>", "Ha\"ven <haven@landlord.example>",
            "\"Haven <haven@landlord.example>", "\"Hav\"en\" <haven@landlord.example>", "x <y> <haven@landlord.example>",
            "Haven\u{202E}nevaH <haven@landlord.example>", "Haven <haven@landlord.example", "Haven <a@b.example\r\n>",
        ])
    func badNames(_ text: String) {
        #expect(Mailbox(text) == nil)
    }
}
