import Testing

@testable import FoveaCore

/// Which conv_rows.cl program each kernel's tile is found in: LeNet-5's layers share one, other tiles get their own.
@Suite struct RowsTileProgramsTests {
    let patch = "-DKH=5 -DKW=5 -DDH=1 -DDW=1 -DWG=16 -DPX=8"

    @Test func theNextLayerFindsItsNarrowedInputTile() {
        let programs = RowsTilePrograms()
        let narrowed = patch + " -DTILE=8 -DNARROW_TILE=6"
        // conv1 forward (6 output channels) builds the program; conv2 (6 -> 16) finds its full forward tile, its input
        // gradient's 6-channel tile and the weight gradient there.
        #expect(programs.options(patch: patch, tile: 6, fullTile: 8) == narrowed)
        #expect(programs.options(patch: patch, tile: 8, fullTile: 8) == narrowed)
        #expect(programs.options(patch: patch, tile: 6, fullTile: 8) == narrowed)
        #expect(programs.options(patch: patch, tile: nil, fullTile: 8) == narrowed)
        // A tile no program holds gets a program of its own, found again afterwards.
        #expect(programs.options(patch: patch, tile: 3, fullTile: 8) == patch + " -DTILE=8 -DNARROW_TILE=3")
        #expect(programs.options(patch: patch, tile: 6, fullTile: 8) == narrowed)
        #expect(programs.options(patch: patch, tile: 3, fullTile: 8) == patch + " -DTILE=8 -DNARROW_TILE=3")
    }

    @Test func fullTilesAloneBuildOneProgramPerPatch() {
        let programs = RowsTilePrograms()
        #expect(programs.options(patch: patch, tile: 8, fullTile: 8) == patch + " -DTILE=8")
        #expect(programs.options(patch: patch, tile: nil, fullTile: 8) == patch + " -DTILE=8")
        // Another patch or another full tile (a 16-float row segment) is another program.
        let other = "-DKH=3 -DKW=3 -DDH=1 -DDW=1 -DWG=16 -DPX=8"
        #expect(programs.options(patch: other, tile: nil, fullTile: 8) == other + " -DTILE=8")
        #expect(programs.options(patch: patch, tile: 16, fullTile: 16) == patch + " -DTILE=16")
        #expect(programs.options(patch: patch, tile: 6, fullTile: 16) == patch + " -DTILE=16 -DNARROW_TILE=6")
    }
}
