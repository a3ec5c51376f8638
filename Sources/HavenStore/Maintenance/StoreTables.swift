/// Haven's tables as every engine holds them: names, columns and the kind of value in each, in an
/// order the foreign keys allow filling. Each engine's migrations create exactly this (a contract
/// test compares every engine's real schema with it), and `StoreCopy` moves an installation
/// from one engine to another by it.
public enum StoreTables {
    public enum Kind: Sendable, Equatable {
        case integer, real, text, blob, boolean
    }

    public struct Table: Sendable {
        public let name: String
        /// The primary key's columns: rows are read in this order, a page at a time.
        public let key: [String]
        public let columns: [(name: String, kind: Kind)]
        /// Whether the engine numbers new rows itself (its counter must move past copied rows).
        public var numbered: Bool { key == ["id"] && name != "cases" }
        /// Rows that live minutes (spent challenges, the pages after a form's post): not moved by
        /// `StoreCopy`, which runs with Haven stopped, when they no longer matter.
        public var transient: Bool { name == "spent_challenges" || name == "stashed_views" }
    }

    private static func table(_ name: String, key: [String] = ["id"], _ columns: String) -> Table {
        let parsed = columns.split(separator: ",").map { column -> (String, Kind) in
            let parts = column.split(separator: " ")
            let kind: Kind =
                switch parts[1] {
                case "int": .integer
                case "real": .real
                case "text": .text
                case "blob": .blob
                default: .boolean
                }
            return (String(parts[0]), kind)
        }
        return Table(name: name, key: key, columns: parsed)
    }

    public static let all: [Table] = [
        table(
            "officers",
            "id int,name text,email text,is_female bool,role text,active bool,areas text,shifts text,on_call bool,"
                + "token_hash text,open_cases int"),
        table("areas", key: ["code"], "code text,name text,districts text,named_officer_id int"),
        table(
            "staff_keys", key: ["officer_id"],
            "officer_id int,public_key blob,password_kdf text,password_salt blob,password_sealed blob,token_sealed blob,"
                + "created_at real,mac blob"),
        table("recovery_keys", key: ["key_id"], "key_id text,public_key blob,created_at real,mac blob"),
        table("contractors", "id int,name text,token_hash text,active bool,created_at real"),
        table(
            "cases",
            "id int,uid text,reference text,status text,priority text,area_code text,officer_id int,channel text,"
                + "reporter_type text,female_requested bool,female_unmet bool,opened_at real,acknowledge_by real,"
                + "acknowledged_at real,acknowledged_by int,escalation_level int,next_escalation_at real,thread_hash text,"
                + "key_id text,wrapped_key blob,sealed_profile blob,first_contact_at real,closed_at real,outcome text,"
                + "legal_hold bool,case_key blob,auto_reply int"),
        table("case_references", key: ["reference"], "reference text,case_id int"),
        table(
            "reports",
            "id int,uid text,case_id int,channel text,reporter_type text,immediate_danger bool,received_at real,"
                + "idempotency_hash text,provider_message_hash text,content_hash text,phone_hash text,email_hash text,"
                + "key_id text,wrapped_key blob,sealed blob"),
        table("case_readers", key: ["case_id", "reader"], "case_id int,reader text,sealed blob,granted_by text,granted_at real"),
        table("safety_changes", "id int,case_id int,report_id int,change text,at real"),
        table("decisions", "id int,case_id int,report_id int,kind text,at real,priority text,officer_id int,reasons text"),
        table(
            "alerts",
            "id int,case_id int,kind text,channel text,officer_id int,escalation_level int,reason text,"
                + "idempotency_key text,status text,attempts int,created_at real,next_attempt_at real,lease_until real,"
                + "sent_at real,last_error text,lease_owner text"),
        table("audit_log", "id int,at real,actor text,action text,case_id int,detail text"),
        table(
            "sms_parts",
            "id int,uid text,group_hash text,part_index int,part_total int,provider_message_hash text,received_at real,"
                + "key_id text,wrapped_key blob,sealed blob"),
        table(
            "outbound_texts",
            "id int,uid text,case_id int,officer_id int,provider text,provider_message_id text,sent_at real,key_id text,"
                + "wrapped_key blob,sealed blob"),
        table(
            "case_events",
            "id int,uid text,case_id int,officer_id int,kind text,at real,method text,outcome text,flags text,"
                + "key_id text,wrapped_key blob,sealed blob"),
        table(
            "risk_assessments",
            "id int,uid text,case_id int,officer_id int,at real,score int,level text,key_id text,wrapped_key blob,"
                + "sealed blob"),
        table("consents", "id int,case_id int,agency text,state text,officer_id int,at real"),
        table(
            "referrals",
            "id int,uid text,case_id int,agency text,basis text,officer_id int,at real,key_id text,wrapped_key blob,"
                + "sealed blob"),
        table("tenancy_flags", key: ["tenancy_hash", "flag"], "tenancy_hash text,flag text,case_id int,at real"),
        table(
            "staff_credentials", key: ["officer_id"],
            "officer_id int,password_hash text,totp_uid text,totp_key_id text,totp_wrapped_key blob,totp_sealed blob,"
                + "failed_count int,locked_until real,last_totp_step int,enrolled_at real"),
        table(
            "staff_enrolments", key: ["token_hash"], "token_hash text,officer_id int,expires_at real,used_at real,totp_sealed blob"),
        table("staff_sessions", key: ["id_hash"], "id_hash text,officer_id int,csrf text,created_at real,last_seen real,sealed_key blob"),
        table("store_settings", key: ["name"], "name text,value int"),
        table(
            "shredded_cases",
            "id int,priority text,channel text,reporter_type text,officer_id int,opened_at real,acknowledge_by real,"
                + "acknowledged_at real,first_contact_at real,female_requested bool,female_unmet bool,outcome text,"
                + "shredded_at real"),
        table("shredded_escalations", "id int,at real"),
        table("spent_challenges", key: ["challenge"], "challenge text,expires_at real"),
        table("stashed_views", key: ["handle"], "handle text,sealed blob,expires_at real"),
    ]
}
