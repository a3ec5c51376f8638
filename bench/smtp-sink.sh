# Sourced by the benchmarks: a fast SMTP server on loopback for alert delivery under load.
#
# The tests use aiosmtpd (it can require AUTH, offer STARTTLS and fail on purpose), but under
# load that Python server needs about half a core of the two and falls behind (at ~2,100 reports/s
# it had accepted 11,808 of 21,000 alerts three seconds after the run; Postfix's smtp-sink, written
# in C, had accepted all of them). A mail server on the bench machine competes with Haven for CPU,
# which a real relay on another host does not, so the benchmarks use smtp-sink, which writes each
# message to its own file; the file's modification time is when the server accepted it.
#
#   start_smtp_sink DIR     starts it, capturing into DIR; sets sink_pid and smtp_port

install_smtp_sink() {
    [ -x /usr/sbin/smtp-sink ] && return
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    # Postfix brings smtp-sink; it is installed unconfigured (no mail system is set up or started).
    echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postfix >/dev/null
}

start_smtp_sink() {
    local dir="$1"
    install_smtp_sink
    mkdir -p "$dir"
    smtp_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    local user=()
    if [ "$(id -u)" -eq 0 ]; then
        # smtp-sink refuses to run as root: it drops to nobody, which must be able to write DIR
        # (and pass through its parent: traverse only, no listing).
        chmod 0777 "$dir"
        chmod o+x "$(dirname "$dir")"
        user=(-u nobody)
    fi
    /usr/sbin/smtp-sink "${user[@]}" -d "$dir/%H%M%S." -m 1024 "127.0.0.1:$smtp_port" 1024 &
    sink_pid=$!
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$smtp_port") 2>/dev/null && return
        sleep 0.05
    done
    echo "smtp-sink did not start" >&2
    return 1
}
