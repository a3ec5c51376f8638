import GRDB

extension Schema {
    /// Issue 32: a set-up link's TOTP secret, made when the link is first opened and kept for the
    /// link's life (every reload shows the same one), sealed under a key derived from the link's
    /// token, which only the link holds (`EnrolmentSecret`). Cleared when the link is used.
    static func v22EnrolmentSecrets(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE staff_enrolments ADD COLUMN totp_sealed BLOB")
    }
}
