extension Duration {
    /// The duration in seconds, for arithmetic with `Date().timeIntervalSince1970`.
    var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
