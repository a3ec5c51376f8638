/// The penalty score that chooses a QR code's mask (ISO/IEC 18004:2015 §7.8.3.1, table 11): the
/// lowest wins, the first of equals.
///
/// - N1: a run of five or more modules of one colour in a row or column, 3 + (length − 5);
/// - N2: each 2×2 block of one colour, 3;
/// - N3: each dark-light-dark-dark-dark-light-dark (1:1:3:1:1) in a row or column with four light
///   modules before or after it (beyond the symbol's edge counts as light), 40;
/// - N4: 10 for each whole 5% the dark modules are away from half.
///
/// N3's finer points (how far the light area reaches at the edge, where the next search begins)
/// follow the reading segno makes, so the two choose the same mask.
enum QRPenalty {
    static func score(_ modules: [Bool], size: Int) -> Int {
        var score = 0
        var dark = 0
        for i in 0..<size {
            let row = Array(modules[i * size..<(i + 1) * size])
            let column = (0..<size).map { modules[$0 * size + i] }
            score += runs(row) + runs(column) + finderLike(row) + finderLike(column)
            dark += row.lazy.filter { $0 }.count
        }
        for y in 0..<size - 1 {
            for x in 0..<size - 1 {
                let colour = modules[y * size + x]
                if modules[y * size + x + 1] == colour, modules[(y + 1) * size + x] == colour,
                    modules[(y + 1) * size + x + 1] == colour
                {
                    score += 3
                }
            }
        }
        let total = size * size
        return score + 10 * (abs(dark * 20 - total * 10) / total)
    }

    /// N1 for one line.
    static func runs(_ line: [Bool]) -> Int {
        var score = 0
        var run = 1
        for k in 1..<line.count {
            if line[k] == line[k - 1] {
                run += 1
                continue
            }
            if run >= 5 { score += run - 2 }
            run = 1
        }
        return run >= 5 ? score + run - 2 : score
    }

    private static let finder: [Bool] = [true, false, true, true, true, false, true]

    /// N3 for one line.
    static func finderLike(_ line: [Bool]) -> Int {
        let n = line.count
        var score = 0
        var next = first(in: line, from: 0)
        while let start = next {
            var resume = start + 7
            let before = line[max(start - 4, 0)..<start]
            let after = line[resume..<min(resume + 4, n)]
            if !before.contains(true) || !after.contains(true) {
                score += 40
            } else {
                resume = start + 4
            }
            next = first(in: line, from: resume)
        }
        return score
    }

    private static func first(in line: [Bool], from start: Int) -> Int? {
        guard line.count >= 7, start <= line.count - 7 else { return nil }
        return (start...line.count - 7).first { i in (0..<7).allSatisfy { line[i + $0] == finder[$0] } }
    }
}
