import Mustache

/// The console's pages: plain server-rendered HTML that works without JavaScript. They are the
/// landlord's staff tool, not per-landlord content, so they live with the code.
enum ConsolePages {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in templates {
            // The templates are constants; a mistake in one is a programming error caught by every test.
            try! library.register(text, named: name)
        }
        return library
    }()

    static func render(_ name: String, _ context: [String: Any]) -> String {
        library.render(context, withTemplate: name) ?? ""
    }

    static let stylesheet = """
        body{margin:0;font:100%/1.5 system-ui,sans-serif;color:#0b0c0c}
        header{background:#0b0c0c;color:#fff;padding:.5rem 1rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
        header a,header button{color:#fff}
        header form{margin-left:auto}
        main{max-width:60rem;margin:0 auto;padding:1rem}
        a{color:#1d4f91}
        a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #fd0;box-shadow:0 0 0 5px #0b0c0c}
        table{border-collapse:collapse;width:100%}
        th,td{text-align:left;padding:.4rem;border-bottom:1px solid #b1b4b6}
        .badge{display:inline-block;padding:0 .4rem;font-weight:700;border:2px solid}
        .emergency{background:#d4351c;color:#fff}.high{background:#f47738;color:#0b0c0c}.standard{color:#0b0c0c}
        .overdue{color:#d4351c;font-weight:700}
        .safety{border:4px solid #0b0c0c;padding:0 1rem 1rem;margin:1rem 0;font-size:1.2rem}
        .stop{font-size:1.6rem;font-weight:800;color:#fff;background:#d4351c;padding:.3rem .6rem;display:inline-block}
        .ok{font-weight:700;color:#00703c}
        dt{font-weight:700;margin-top:.5rem}dd{margin:0}
        label{display:block;font-weight:600;margin-top:.75rem}
        input[type=text],input[type=email],input[type=password]{font:inherit;padding:.4rem;border:2px solid #0b0c0c;width:100%;max-width:24rem}
        button{font:inherit;font-weight:700;padding:.5rem 1.2rem;margin-top:1rem;background:#00703c;color:#fff;border:0;cursor:pointer}
        header button{background:none;border:1px solid #fff;margin:0;padding:.2rem .6rem}
        .error{color:#d4351c;font-weight:700}
        .message{white-space:pre-wrap;border-left:4px solid #b1b4b6;padding-left:1rem}
        code{font-size:1.3rem;letter-spacing:.1rem}
        textarea,select{font:inherit;padding:.4rem;border:2px solid #0b0c0c;width:100%;max-width:36rem}
        .events li{margin:.5rem 0}
        .inline-label{display:inline}
        .warn{color:#fff;background:#d4351c;font-weight:700;padding:0 .3rem}
        .vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
        """

    static let templates: [String: String] = [
        "layout": """
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer"><title>{{title}} – Haven console</title>
        <link rel="stylesheet" href="/console/console.css"></head>
        <body>
        <header><strong>Haven console</strong>{{#officer}}<a href="/console">Cases</a><a href="/console/concern">Raise a concern</a>{{#canReport}}<a href="/console/reports/monthly">Reports</a>{{/canReport}}{{#canAdminister}}<a href="/console/staff">Staff</a>{{/canAdminister}}<span>{{officer.name}} ({{role}})</span>
        <form method="post" action="/console/logout" autocomplete="off"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Log out</button></form>{{/officer}}</header>
        <main id="main">
        {{$content}}{{/content}}
        </main>
        </body>
        </html>
        """,
        "monthly": """
        {{<layout}}{{$content}}
        <h1>Monthly report {{month}}</h1>
        <form method="get" action="/console/reports/monthly" autocomplete="off"><label for="month">Month (YYYY-MM)</label><input type="text" id="month" name="month" value="{{month}}"><button type="submit">Show</button></form>
        <p><a href="/console/reports/monthly.csv?month={{month}}">Download the figures (CSV)</a></p>
        <p>{{cases}} cases opened (UK time). Escalations: {{escalations}}. Female officer requested: {{femaleRequested}}, honoured: {{femaleHonoured}}.</p>
        {{#charts}}<figure>{{{.}}}</figure>{{/charts}}
        <h2>Time to acknowledgement (minutes)</h2>
        <table><thead><tr><th scope="col">Priority</th><th scope="col">Cases</th><th scope="col">Acknowledged</th><th scope="col">Median</th><th scope="col">90th percentile</th><th scope="col">Within SLA</th></tr></thead>
        <tbody>{{#ackByPriority}}<tr><td>{{group}}</td><td>{{cases}}</td><td>{{done}}</td><td>{{median}}</td><td>{{p90}}</td><td>{{within}}</td></tr>{{/ackByPriority}}</tbody></table>
        <h2>By officer</h2>
        <table><thead><tr><th scope="col">Officer</th><th scope="col">Cases</th><th scope="col">Acknowledged</th><th scope="col">Median</th><th scope="col">90th percentile</th><th scope="col">Within SLA</th></tr></thead>
        <tbody>{{#ackByOfficer}}<tr><td>{{group}}</td><td>{{cases}}</td><td>{{done}}</td><td>{{median}}</td><td>{{p90}}</td><td>{{within}}</td></tr>{{/ackByOfficer}}</tbody></table>
        <h2>Time to first safe contact (minutes)</h2>
        <table><thead><tr><th scope="col">Priority</th><th scope="col">Cases</th><th scope="col">Reached</th><th scope="col">Median</th><th scope="col">90th percentile</th></tr></thead>
        <tbody>{{#contactByPriority}}<tr><td>{{group}}</td><td>{{cases}}</td><td>{{done}}</td><td>{{median}}</td><td>{{p90}}</td></tr>{{/contactByPriority}}</tbody></table>
        <h2>Outcomes</h2>
        <ul>{{#outcomes}}<li>{{group}}: {{count}}</li>{{/outcomes}}</ul>
        {{/content}}{{/layout}}
        """,
        "risk": """
        {{<layout}}{{$content}}
        <h1>Risk checklist for case {{reference}}</h1>
        <p>{{checklist}}. Ask each question only when it is safe to talk; "not known" is a proper answer.</p>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form method="post" action="/console/cases/{{reference}}/risk" autocomplete="off"><input type="hidden" name="csrf" value="{{csrf}}">
        {{#questions}}<fieldset><legend>{{number}}. {{text}}</legend>{{#options}}<input type="radio" id="q{{number}}-{{value}}" name="q{{number}}" value="{{value}}"{{#checked}} checked{{/checked}}> <label for="q{{number}}-{{value}}" class="inline-label">{{label}}</label> {{/options}}</fieldset>
        {{/questions}}
        <p><input type="checkbox" id="judgement" name="judgement" value="yes"> <label for="judgement" class="inline-label">Professional judgement: treat as high risk whatever the count</label></p>
        <label for="risk-reason">Reason (required with professional judgement; sealed)</label><textarea id="risk-reason" name="note" rows="2"></textarea>
        <button type="submit">Save this assessment</button></form>
        {{/content}}{{/layout}}
        """,
        "referral-blocked": """
        {{<layout}}{{$content}}
        <h1>No consent to share with {{agencyName}}</h1>
        <p>The survivor has not agreed to share with {{agencyName}}. A referral without consent is allowed only if someone is at immediate risk of harm. It is recorded, and the duty managers are alerted.</p>
        {{#asked}}<p class="error" role="alert">Give the reason: what is the immediate risk?</p>{{/asked}}
        <form method="post" action="/console/cases/{{reference}}/referral/{{agency}}" autocomplete="off"><input type="hidden" name="csrf" value="{{csrf}}">
        <p><input type="checkbox" id="override" name="override" value="yes"> <label for="override" class="inline-label">Someone is at immediate risk of harm</label></p>
        <label for="override-reason">Reason (required, sealed)</label><textarea id="override-reason" name="note" rows="3"></textarea>
        <button type="submit">Refer without consent</button></form>
        <p><a href="/console/cases/{{reference}}">Back to the case</a></p>
        {{/content}}{{/layout}}
        """,
        "referral": """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>{{title}} – case {{reference}}</title><link rel="stylesheet" href="/console/console.css"></head>
        <body><main id="main">
        <h1>Referral to {{agencyName}}: case {{reference}}</h1>
        <p>Made {{basis}}. Prepared by {{preparedBy}}, {{preparedAt}} (UK time). Priority: {{priority}}. Risk: {{riskLevel}}.</p>
        <h2>How contact is safe</h2>
        <ul><li>Ways to contact: {{methods}}</li>{{#phone}}<li>Phone: {{phone}}</li>{{/phone}}<li>Safe times (UK time): {{safeTimes}}</li>
        <li>Voicemail: {{#voicemail}}allowed{{/voicemail}}{{^voicemail}}NOT allowed{{/voicemail}}</li>{{^textAllowed}}<li>DO NOT TEXT</li>{{/textAllowed}}
        <li>Female officer requested: {{#female}}yes{{/female}}{{^female}}no{{/female}}</li><li>Language and access: {{needs}}</li></ul>
        <h2>What was reported</h2>
        {{#reports}}<p class="message">{{message}}</p>{{#survivor}}<p>{{survivor}}</p>{{/survivor}}{{/reports}}
        <p>Confidential. Handle under your information-sharing agreement; do not contact the survivor except as set out above.</p>
        </main></body></html>
        """,
        "concern": """
        {{<layout}}{{$content}}
        <h1>Raise a concern</h1>
        <p>Something you noticed on a visit or in a complaint that may be domestic abuse. It goes to a named officer; the tenant is not told who raised it.</p>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form method="post" action="/console/concern" autocomplete="off"><input type="hidden" name="csrf" value="{{csrf}}">
        <fieldset><legend>What did you notice?</legend>
        <p><input type="checkbox" id="t-lock" name="triggers" value="broken_internal_lock"> <label class="inline-label" for="t-lock">Broken internal door locks</label></p>
        <p><input type="checkbox" id="t-holes" name="triggers" value="holes_in_doors_or_walls"> <label class="inline-label" for="t-holes">Holes in doors or walls</label></p>
        <p><input type="checkbox" id="t-noise" name="triggers" value="noise_complaint"> <label class="inline-label" for="t-noise">A noise complaint that may be abuse</label></p>
        <p><input type="checkbox" id="t-disclosure" name="triggers" value="disclosure_during_repair"> <label class="inline-label" for="t-disclosure">A disclosure during a repair visit</label></p>
        <p><input type="checkbox" id="t-other" name="triggers" value="other"> <label class="inline-label" for="t-other">Something else</label></p>
        </fieldset>
        <label for="concern-message">What happened (facts, as you saw or heard them)</label><textarea id="concern-message" name="message" rows="4"></textarea>
        <label for="concern-tenancy">Tenancy reference</label><input type="text" id="concern-tenancy" name="survivor.tenancy_reference">
        <label for="concern-address">Address</label><input type="text" id="concern-address" name="survivor.address">
        <label for="concern-postcode">Postcode</label><input type="text" id="concern-postcode" name="survivor.postcode">
        <button type="submit">Send the concern</button></form>
        {{/content}}{{/layout}}
        """,
        "staff": """
        {{<layout}}{{$content}}
        <h1>Staff and areas</h1>
        {{#notice}}<p class="notice" role="status" id="notice">{{notice}}</p>{{/notice}}
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <h2>Staff</h2>
        <p>Areas: codes, comma-separated (none = every area). Shifts: one per line in UK time, e.g. mon-fri 09:00-17:00 (none = always on duty).</p>
        {{#staff}}<form method="post" action="/console/staff/{{id}}" class="staff" autocomplete="off"><input type="hidden" name="csrf" value="{{csrf}}">
        <fieldset><legend>{{name}} &lt;{{email}}&gt; – {{role}}{{^active}} (inactive){{/active}}</legend>
        <label for="role-{{id}}">Role</label><select id="role-{{id}}" name="role">{{#roles}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/roles}}</select>
        <label for="areas-{{id}}">Areas</label><input type="text" id="areas-{{id}}" name="areas" value="{{areas}}">
        <label for="shifts-{{id}}">Shifts</label><textarea id="shifts-{{id}}" name="shifts" rows="2">{{shifts}}</textarea>
        <p><input type="checkbox" id="female-{{id}}" name="female" value="yes"{{#female}} checked{{/female}}> <label class="inline-label" for="female-{{id}}">Female officer</label>
        <input type="checkbox" id="oncall-{{id}}" name="on_call" value="yes"{{#onCall}} checked{{/onCall}}> <label class="inline-label" for="oncall-{{id}}">On call out of hours</label>
        <input type="checkbox" id="active-{{id}}" name="active" value="yes"{{#active}} checked{{/active}}> <label class="inline-label" for="active-{{id}}">Active (takes new cases)</label></p>
        <button type="submit" name="action" value="save">Save</button> <button type="submit" name="action" value="enrol">E-mail a new set-up link</button>
        </fieldset></form>
        {{/staff}}
        <h2>Add a member of staff</h2>
        <form method="post" action="/console/staff" autocomplete="off"><input type="hidden" name="csrf" value="{{csrf}}">
        <label for="new-name">Name</label><input type="text" id="new-name" name="name" autocomplete="off">
        <label for="new-email">Work e-mail (alerts go here)</label><input type="email" id="new-email" name="email" autocomplete="off">
        <label for="new-role">Role</label><select id="new-role" name="role">{{#roleChoices}}<option value="{{value}}">{{value}}</option>{{/roleChoices}}</select>
        <label for="new-areas">Areas</label><input type="text" id="new-areas" name="areas">
        <label for="new-shifts">Shifts</label><textarea id="new-shifts" name="shifts" rows="2"></textarea>
        <p><input type="checkbox" id="new-female" name="female" value="yes"> <label class="inline-label" for="new-female">Female officer</label>
        <input type="checkbox" id="new-oncall" name="on_call" value="yes"> <label class="inline-label" for="new-oncall">On call out of hours</label></p>
        <button type="submit">Add and e-mail their set-up link</button></form>
        <h2>Areas</h2>
        <table><thead><tr><th scope="col">Code</th><th scope="col">Name</th><th scope="col">Postcode districts</th><th scope="col">Named officer</th></tr></thead><tbody>
        {{#areas}}<tr><td>{{code}}</td><td>{{name}}</td><td>{{districts}}</td><td>{{named}}</td></tr>{{/areas}}</tbody></table>
        <form method="post" action="/console/areas" autocomplete="off"><input type="hidden" name="csrf" value="{{csrf}}">
        <label for="area-code">Code (an existing code replaces that area)</label><input type="text" id="area-code" name="code">
        <label for="area-name">Name</label><input type="text" id="area-name" name="name">
        <label for="area-districts">Postcode districts, comma-separated</label><input type="text" id="area-districts" name="districts">
        <label for="area-named">Named officer</label><select id="area-named" name="named_officer"><option value="">none</option>{{#officerChoices}}<option value="{{id}}">{{name}}</option>{{/officerChoices}}</select>
        <button type="submit">Save the area</button></form>
        <h2>Channels and retention</h2>
        <p>SMS providers with a webhook secret: {{smsProviders}}. Texts to survivors: {{#textsOut}}a sending provider is set up{{/textsOut}}{{^textsOut}}no sending provider{{/textsOut}}.</p>
        <p id="retention-policy">Retention of closed cases: {{retention}}. These are set in the configuration file (HAVEN_RETENTION, HAVEN_TWILIO_… and the rest; see deploy/haven.example.conf).</p>
        {{/content}}{{/layout}}
        """,
        "login": """
        {{<layout}}{{$content}}
        <h1>Log in</h1>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form method="post" action="/console/login" autocomplete="off"><input type="hidden" name="next" value="{{next}}">
        <label for="email">Work email</label><input type="email" id="email" name="email" value="{{email}}" autocomplete="username">
        <label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password">
        <label for="code">6-digit code from your authenticator app</label><input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code">
        <button type="submit">Log in</button>
        </form>
        {{/content}}{{/layout}}
        """,
        "enrol": """
        {{<layout}}{{$content}}
        <h1>Set up your console login</h1>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <p>1. Add Haven to your authenticator app with this key (shown only on this page):</p>
        <p><code id="totp-secret">{{base32}}</code></p>
        <p>Or open <a href="{{otpauth}}">this link</a> on the phone that has the app.</p>
        <form method="post" action="/console/enrol/{{token}}" autocomplete="off">
        <input type="hidden" name="secret" value="{{secret}}">
        <label for="password">2. Choose a password (at least {{minimum}} characters; a phrase is best)</label>
        <input type="password" id="password" name="password" autocomplete="new-password">
        <label for="confirmation">Type it again</label><input type="password" id="confirmation" name="confirmation" autocomplete="new-password">
        <label for="code">3. The 6-digit code your app now shows</label><input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code">
        <button type="submit">Finish</button>
        </form>
        {{/content}}{{/layout}}
        """,
        "message": """
        {{<layout}}{{$content}}
        <h1>{{title}}</h1>
        <p>{{text}}</p>
        {{#link}}<p><a href="{{link}}">{{linkText}}</a></p>{{/link}}
        {{/content}}{{/layout}}
        """,
        "queue": """
        {{<layout}}{{$content}}
        <h1>{{heading}}</h1>
        {{#noCaseAccess}}<p>Your role (administrator) does not include reading cases.</p>{{/noCaseAccess}}
        {{#supervisor}}<form method="get" action="/console" class="filters" autocomplete="off">
        <label for="f-officer">Officer</label><select id="f-officer" name="officer"><option value="">all</option>{{#filterOfficers}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/filterOfficers}}</select>
        <label for="f-area">Area</label><select id="f-area" name="area"><option value="">all</option>{{#filterAreas}}<option{{#selected}} selected{{/selected}}>{{value}}</option>{{/filterAreas}}</select>
        <label for="f-status">Status</label><select id="f-status" name="status"><option value="">all open</option>{{#filterStatuses}}<option{{#selected}} selected{{/selected}}>{{value}}</option>{{/filterStatuses}}</select>
        <label for="f-channel">Channel</label><select id="f-channel" name="channel"><option value="">all</option>{{#filterChannels}}<option{{#selected}} selected{{/selected}}>{{value}}</option>{{/filterChannels}}</select>
        <label for="f-priority">Priority</label><select id="f-priority" name="priority"><option value="">all</option>{{#filterPriorities}}<option{{#selected}} selected{{/selected}}>{{value}}</option>{{/filterPriorities}}</select>
        <button type="submit">Filter</button></form>{{/supervisor}}
        {{^noCaseAccess}}{{#hasCases}}
        <table><caption class="vh">Open cases, most urgent first</caption>
        <thead><tr><th scope="col">Case</th><th scope="col">Priority</th><th scope="col">Acknowledge by (UK time)</th><th scope="col">Status</th>{{#supervisor}}<th scope="col">Officer</th>{{/supervisor}}</tr></thead>
        <tbody>
        {{#cases}}<tr><td><a href="/console/cases/{{reference}}">{{reference}}</a></td><td><span class="badge {{priority}}">{{priority}}</span></td><td>{{#overdue}}<span class="overdue">OVERDUE </span>{{/overdue}}{{deadline}}</td><td>{{status}}</td>{{#supervisor}}<td>{{officerName}}</td>{{/supervisor}}</tr>
        {{/cases}}</tbody></table>
        {{/hasCases}}{{^hasCases}}<p>No open cases.</p>{{/hasCases}}{{/noCaseAccess}}
        {{/content}}{{/layout}}
        """,
        "case": """
        {{<layout}}{{$content}}
        <h1>Case {{reference}} <span class="badge {{priority}}">{{priority}}</span></h1>
        {{#aliasReference}}<p class="stop" id="alias-reference">Opened by {{aliasReference}}: a reference given to someone who sent the same answers again within ten minutes. Whoever quotes it may not be the person who reported. Check who they are before saying anything about the case.</p>{{/aliasReference}}
        <section class="safety" aria-labelledby="safety-h">
        <h2 id="safety-h">How contact is safe</h2>
        {{#noContact}}<p class="stop">DO NOT CONTACT</p>{{/noContact}}
        {{^textAllowed}}<p class="stop">DO NOT TEXT</p>{{/textAllowed}}
        <dl>
        <dt>Ways to contact, best first</dt><dd>{{methods}}</dd>
        {{#phone}}<dt>Phone</dt><dd>{{phone}}</dd>{{/phone}}
        {{#email}}<dt>Email</dt><dd>{{email}}</dd>{{/email}}
        <dt>Safe times (UK time)</dt><dd>{{safeTimes}}. {{#safeNow}}<span class="ok" id="safe-now">Now is a safe time.</span>{{/safeNow}}{{^safeNow}}<span class="stop" id="safe-now">Now is NOT a safe time.</span>{{/safeNow}}</dd>
        <dt>Voicemail</dt><dd>{{#voicemail}}may be left{{/voicemail}}{{^voicemail}}<strong>do not leave voicemail</strong>{{/voicemail}}</dd>
        <dt>Code word</dt><dd>{{#codeWord}}<strong id="code-word">{{codeWord}}</strong>{{/codeWord}}{{^codeWord}}{{#hasCodeWord}}<form method="post" action="/console/cases/{{reference}}/code-word" autocomplete="off"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Show the code word (recorded)</button></form>{{/hasCodeWord}}{{^hasCodeWord}}none given{{/hasCodeWord}}{{/codeWord}}</dd>
        {{#thirdParty}}<dt>Contact through</dt><dd>{{thirdParty}}</dd>{{/thirdParty}}
        <dt>Female officer requested</dt><dd>{{#female}}<strong>yes</strong>{{#femaleUnmet}} – no female officer was available: the duty manager must arrange one{{/femaleUnmet}}{{/female}}{{^female}}no{{/female}}</dd>
        <dt>Language and access</dt><dd>{{needs}}</dd>
        <dt>Reported by</dt><dd>{{reporter}}{{#aware}}; the survivor knows: {{aware}}{{/aware}}</dd>
        </dl>
        </section>
        <h2>Texts from the survivor</h2>
        {{#receivesTexts}}<p id="texts-here">Texts from the survivor's number come to this case.</p>{{/receivesTexts}}
        {{^receivesTexts}}<p id="texts-here">Texts from the survivor's number do not come to this case{{#textsGoTo}}: they go to case <a href="/console/cases/{{textsGoTo}}">{{textsGoTo}}</a>{{/textsGoTo}}.</p>
        {{#canLink}}<form method="post" action="/console/cases/{{reference}}/link-texts" autocomplete="off"><input type="hidden" name="csrf" value="{{csrf}}">
        <p>Only once the survivor has told you this number is theirs and that texts are safe.</p>
        <button type="submit">{{#textsGoTo}}Move their texts to this case{{/textsGoTo}}{{^textsGoTo}}Send their texts to this case{{/textsGoTo}} (recorded)</button></form>{{/canLink}}
        {{^canLink}}{{#textsGoTo}}<p>A duty manager can move them here.</p>{{/textsGoTo}}{{/canLink}}{{/receivesTexts}}
        {{#hasRelated}}<p>Other cases naming one of this case's phone numbers (a hint only: a number given in a report never routes texts):</p>
        <ul id="related-cases">{{#related}}<li><a href="/console/cases/{{reference}}">{{reference}}</a> ({{status}}, {{channel}}{{#holds}}; texts from the number go there{{/holds}})</li>{{/related}}</ul>{{/hasRelated}}
        <h2>Acknowledgement</h2>
        {{#acknowledged}}<p>Acknowledged {{acknowledged}}.</p>{{/acknowledged}}
        {{^acknowledged}}<p>Acknowledge by {{deadline}} (UK time).</p>
        <form method="post" action="/console/cases/{{reference}}/ack" autocomplete="off"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Acknowledge</button></form>{{/acknowledged}}
        <h2>Risk</h2>
        {{#risk}}<p id="risk-level">Latest: <span class="badge {{levelClass}}">{{level}}</span> ({{score}} yes of {{questions}}){{#judgement}}, professional judgement{{/judgement}} – {{at}} by {{who}}.{{#marac}} <strong>High risk: refer to MARAC.</strong>{{/marac}} {{versions}} version(s) kept.</p>{{/risk}}
        {{^risk}}<p id="risk-level">No risk checklist yet.</p>{{/risk}}
        <p><a href="/console/cases/{{reference}}/risk">Complete the risk checklist</a></p>
        <h2>Consent to share and referrals</h2>
        <table><thead><tr><th scope="col">Agency</th><th scope="col">Consent</th><th scope="col">Referral</th></tr></thead><tbody>
        {{#consents}}<tr><td>{{name}}</td><td>{{state}}</td><td><form method="post" action="/console/cases/{{reference}}/referral/{{agency}}" autocomplete="off"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Prepare referral</button></form></td></tr>
        {{/consents}}</tbody></table>
        <form method="post" action="/console/cases/{{reference}}/consent" autocomplete="off"><input type="hidden" name="csrf" value="{{csrf}}">
        <label for="consent-agency">Agency</label><select id="consent-agency" name="agency">{{#consents}}<option value="{{agency}}">{{name}}</option>{{/consents}}</select>
        <label for="consent-state">The survivor</label><select id="consent-state" name="state"><option value="given">agrees to share</option><option value="refused">does not agree</option><option value="withdrawn">withdrew consent</option></select>
        <button type="submit">Record consent</button></form>
        <h2>Contact and notes</h2>
        {{#hasEvents}}<ol class="events">{{#events}}<li><strong>{{at}}</strong> {{who}}: {{what}}{{#flags}} <span class="warn">against preferences: {{flags}}</span>{{/flags}}{{#note}}<div class="message">{{note}}</div>{{/note}}</li>
        {{/events}}</ol>{{/hasEvents}}{{^hasEvents}}<p>Nothing recorded yet.</p>{{/hasEvents}}
        <h2>Send a text</h2>
        {{#canText}}<form method="post" action="/console/cases/{{reference}}/text" autocomplete="off"><input type="hidden" name="csrf" value="{{csrf}}">
        <label for="text-message">Message (never the code word, never what they told us; at most 480 characters)</label>
        <textarea id="text-message" name="message" rows="3" maxlength="480"></textarea>
        <button type="submit">Send text</button></form>{{/canText}}
        {{^canText}}<p id="no-text">Texting is not available now: {{noTextReason}}.</p>{{/canText}}
        <h2>Record a contact attempt</h2>
        <form method="post" action="/console/cases/{{reference}}/contact" autocomplete="off"><input type="hidden" name="csrf" value="{{csrf}}">
        <label for="contact-method">How</label><select id="contact-method" name="method">{{#contactMethods}}<option value="{{value}}">{{label}}</option>{{/contactMethods}}</select>
        <label for="contact-outcome">What happened</label><select id="contact-outcome" name="outcome">{{#contactOutcomes}}<option value="{{value}}">{{label}}</option>{{/contactOutcomes}}</select>
        <label for="contact-note">Note (sealed)</label><textarea id="contact-note" name="note" rows="3"></textarea>
        <button type="submit">Record contact attempt</button></form>
        <h2>Add a note</h2>
        <form method="post" action="/console/cases/{{reference}}/note" autocomplete="off"><input type="hidden" name="csrf" value="{{csrf}}">
        <label for="note">Note (sealed)</label><textarea id="note" name="note" rows="3"></textarea>
        <button type="submit">Add note</button></form>
        <h2>Change the priority</h2>
        <form method="post" action="/console/cases/{{reference}}/priority" autocomplete="off"><input type="hidden" name="csrf" value="{{csrf}}">
        <label for="new-priority">Priority</label><select id="new-priority" name="priority">{{#priorities}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/priorities}}</select>
        <label for="priority-reason">Reason (required, sealed)</label><textarea id="priority-reason" name="note" rows="2"></textarea>
        <button type="submit">Change priority</button></form>
        {{#legalHold}}<p class="stop" id="legal-hold">Legal hold: kept past its retention period until a duty manager releases it.</p>{{/legalHold}}
        {{#supervisor}}<h2>Legal hold</h2>
        <form method="post" action="/console/cases/{{reference}}/{{#legalHold}}release{{/legalHold}}{{^legalHold}}hold{{/legalHold}}" autocomplete="off"><input type="hidden" name="csrf" value="{{csrf}}">
        <label for="hold-reason">Reason (required, sealed)</label><textarea id="hold-reason" name="note" rows="2"></textarea>
        <button type="submit">{{#legalHold}}Release the legal hold{{/legalHold}}{{^legalHold}}Place a legal hold{{/legalHold}}</button></form>
        <h2>Reassign</h2>
        <form method="post" action="/console/cases/{{reference}}/reassign" autocomplete="off"><input type="hidden" name="csrf" value="{{csrf}}">
        <label for="reassign-officer">To</label><select id="reassign-officer" name="officer">{{#staffList}}<option value="{{id}}">{{name}}{{#female}} (female){{/female}}</option>{{/staffList}}</select>
        {{#female}}<p><input type="checkbox" id="override" name="override" value="yes"> <label for="override" class="inline-label">Override the female officer request (the reason must say why)</label></p>{{/female}}
        <label for="reassign-reason">Reason (required, sealed)</label><textarea id="reassign-reason" name="note" rows="2"></textarea>
        <button type="submit">Reassign</button></form>{{/supervisor}}
        {{#closed}}<h2>Closed: {{closedOutcome}}</h2>
        {{#retainUntil}}{{^legalHold}}<p id="retention">Kept until {{retainUntil}}, then destroyed (retention policy). A duty manager can place a legal hold.</p>{{/legalHold}}{{/retainUntil}}
        <form method="post" action="/console/cases/{{reference}}/reopen" autocomplete="off"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Reopen the case</button></form>{{/closed}}
        {{^closed}}<h2>Close the case</h2>
        <form method="post" action="/console/cases/{{reference}}/close" autocomplete="off"><input type="hidden" name="csrf" value="{{csrf}}">
        <label for="close-outcome">Outcome</label><select id="close-outcome" name="outcome">{{#closingOutcomes}}<option value="{{value}}">{{label}}</option>{{/closingOutcomes}}</select>
        <label for="close-note">Note (sealed)</label><textarea id="close-note" name="note" rows="2"></textarea>
        <button type="submit">Close the case</button></form>{{/closed}}
        <h2>Reports</h2>
        {{#noiseReview}}<p class="stop" id="noise-review">Tenancy marked: no noise enforcement without review</p>{{/noiseReview}}
        {{#reports}}<article><h3>Report {{number}}{{#danger}} – <span class="badge emergency">immediate danger</span>{{/danger}}</h3>{{#triggers}}<p><strong>Concern flags:</strong> {{triggers}}</p>{{/triggers}}
        <p class="message">{{message}}</p>
        {{#survivor}}<p>{{survivor}}</p>{{/survivor}}{{#reporterContact}}<p>Reporter: {{reporterContact}}</p>{{/reporterContact}}</article>
        {{/reports}}
        <h2>Why it came to {{assignee}}</h2>
        <ul>{{#decisions}}<li>{{.}}</li>{{/decisions}}</ul>
        <h2>Timeline</h2>
        <ul>{{#timeline}}<li>{{at}} – {{actor}}: {{action}}{{#detail}} ({{detail}}){{/detail}}</li>{{/timeline}}</ul>
        {{/content}}{{/layout}}
        """,
    ]
}
