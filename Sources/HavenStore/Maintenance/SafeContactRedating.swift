/// A data migration, the same on both engines (SQLite's v21, PostgreSQL's 6): until issue 32 a
/// contact attempt marked "reached" counted as the case's first safe contact even when it went
/// against the survivor's preferences (its `flags` say how). Each case's first safe contact is
/// dated again from its attempts that kept to them (`ContactPolicy.isSafeContact`: reached, no
/// warnings), or cleared when there is none. Times are stored the same way on both engines.
public enum SafeContactRedating {
    public static let statement = """
        UPDATE cases SET first_contact_at = (
            SELECT MIN(e.at) FROM case_events e
            WHERE e.case_id = cases.id AND e.kind = 'contact' AND e.outcome = 'reached' AND COALESCE(e.flags, '') = ''
        )
        WHERE first_contact_at IS NOT NULL
        """
}
