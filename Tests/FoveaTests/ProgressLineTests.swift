import Testing

@testable import FoveaCLI

/// The progress bar as a terminal shows it: exact lines, including a narrow terminal.
@Suite struct ProgressLineTests {
    static func line(width: Int, batch: Int = 600, secondsLeft: Double? = 54.4) -> String {
        ProgressLine.render(
            epoch: 2, epochs: 10, batch: batch, batches: 1688, loss: 0.41234, accuracy: 0.85213,
            imagesPerSecond: 20311.6, secondsLeft: secondsLeft, width: width)
    }

    @Test func aWideTerminalShowsEverything() {
        // 119 usable columns: a 30-column bar, 10 of it done (600 of 1688 batches).
        #expect(
            Self.line(width: 120)
                == "\repoch 3/10 [=========>                    ] 600/1688  loss 0.4123  acc 85.21%  ETA 0:54  20312 img/s\u{1B}[K"
        )
    }

    @Test func theBarNarrowsThenFiguresGoFromTheRight() {
        // 80 columns: every figure, with the bar at 9 columns, the line 79 wide.
        #expect(
            Self.line(width: 80) == "\repoch 3/10 [==>      ] 600/1688  loss 0.4123  acc 85.21%  ETA 0:54  20312 img/s\u{1B}[K")
        #expect(Self.line(width: 80).count == 1 + 79 + 3)
        #expect(Self.line(width: 60) == "\repoch 3/10 [===>        ] 600/1688  loss 0.4123  acc 85.21%\u{1B}[K")
        // 40 columns: the loss rather than the bar; then the counts alone; then cut.
        #expect(Self.line(width: 40) == "\repoch 3/10 600/1688  loss 0.4123\u{1B}[K")
        #expect(Self.line(width: 30) == "\repoch 3/10 600/1688\u{1B}[K")
        #expect(Self.line(width: 12) == "\repoch 3/10 \u{1B}[K")
    }

    @Test func etaAndBarEnds() {
        #expect(ProgressLine.duration(3725) == "1:02:05" && ProgressLine.duration(59.6) == "1:00")
        #expect(ProgressLine.bar(batch: 0, batches: 4, width: 4) == "    ")
        #expect(ProgressLine.bar(batch: 2, batches: 4, width: 4) == "=>  ")
        #expect(ProgressLine.bar(batch: 4, batches: 4, width: 4) == "====")
        #expect(!Self.line(width: 120, secondsLeft: nil).contains("ETA"))
    }
}
