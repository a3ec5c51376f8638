#!/usr/bin/env python3
"""bench/scale: ages a freshly filled SQLite store as years of casework would, by bulk SQL on
clear columns only (nothing sealed is touched, so every case still opens):
- about 99% of cases acknowledged (an audit line each), the rest left unacknowledged;
- every case opened more than 30 days ago closed (an outcome and an audit line each), except
  1% left open and acknowledged and 0.1% left open, unacknowledged, overdue and escalated;
- officers' open caseloads recomputed, every alert marked sent (else the dispatcher would
  send them all at start-up), no escalation due (so start-up does not escalate thousands);
- exactly one day of closed cases past each retention period (6 years by default, 1 year for
  no_further_contact), and no other case within a day of its expiry;
- a few cases read 2,000 times each (a long audit trail on the case page).
  bench/scale_age.py DB NOW SPAN_START        (prints the references of the much-read cases)"""
import sqlite3
import sys
from datetime import datetime, timedelta, timezone

DAY = 86400.0


def years_before(t: float, years: int) -> float:
    d = datetime.fromtimestamp(t, timezone.utc)
    try:
        return d.replace(year=d.year - years).timestamp()
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28).timestamp()


def main() -> None:
    path, now, span_start = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    month_ago = now - 30 * DAY
    one_year = years_before(now, 1)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    run = db.execute
    # h = id % 1000: 0 open, unacknowledged and overdue; 1-9 unacknowledged; 10-19 open, acknowledged.
    run("UPDATE cases SET acknowledged_at = opened_at + 300 + (id % 97) * 60, acknowledged_by = officer_id "
        "WHERE status = 'open' AND id % 1000 >= 10 AND officer_id IS NOT NULL")
    run("INSERT INTO audit_log (at, actor, action, case_id, detail) SELECT acknowledged_at, "
        "'officer:' || acknowledged_by, 'case.acknowledge', id, '' FROM cases WHERE acknowledged_at IS NOT NULL")
    # Closed 2 to 29 days after opening; the first day's cases 6 hours after (they expire now).
    run(f"UPDATE cases SET status = 'closed', next_escalation_at = NULL, closed_at = CASE "
        f"WHEN opened_at < {span_start + DAY} THEN opened_at + 21600 ELSE opened_at + {2 * DAY} + (id % 28) * {DAY} END "
        f"WHERE status = 'open' AND opened_at < {month_ago} AND id % 1000 <> 0 AND id % 1000 NOT BETWEEN 10 AND 19")
    # Outcomes; no_further_contact (kept a year) only where it expires in exactly one day or not within two.
    run("UPDATE cases SET outcome = CASE id % 6 WHEN 0 THEN 'supported_to_stay' WHEN 1 THEN 'rehoused' "
        "WHEN 2 THEN 'referred' WHEN 3 THEN 'no_contact_possible' WHEN 4 THEN 'other' ELSE 'referred' END "
        "WHERE status = 'closed'")
    run(f"UPDATE cases SET outcome = 'no_further_contact' WHERE status = 'closed' AND id % 6 = 5 AND "
        f"(closed_at > {one_year + 2 * DAY} OR closed_at BETWEEN {one_year - DAY} AND {one_year - 3600})")
    run("INSERT INTO audit_log (at, actor, action, case_id, detail) SELECT closed_at, 'officer:' || "
        "COALESCE(officer_id, 1), 'case.close', id, outcome FROM cases WHERE status = 'closed'")
    run("UPDATE cases SET escalation_level = 2, next_escalation_at = NULL "
        f"WHERE status = 'open' AND acknowledged_at IS NULL AND acknowledge_by < {now}")
    run("UPDATE cases SET next_escalation_at = NULL WHERE acknowledged_at IS NOT NULL")
    run("UPDATE officers SET open_cases = (SELECT COUNT(*) FROM cases c WHERE c.officer_id = officers.id AND c.status = 'open')")
    run("UPDATE alerts SET status = 'sent', attempts = 1, sent_at = created_at, next_attempt_at = created_at, "
        "lease_until = NULL, lease_owner = NULL, last_error = NULL")
    read = [r[0] for r in run("SELECT id FROM cases WHERE status = 'open' AND acknowledged_at IS NOT NULL ORDER BY id DESC LIMIT 3")]
    for case_id in read:
        run("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO audit_log "
            f"(at, actor, action, case_id, detail) SELECT {now} - 2000 + i, 'officer:1', 'case.read', {case_id}, '' FROM n")
    db.commit()
    for (reference,) in run(f"SELECT reference FROM cases WHERE id IN ({','.join(map(str, read)) or 'NULL'})"):
        print(reference)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


main()
