import ArgumentParser

struct ConvScopeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convscope",
        abstract:
            "Look inside a VGG-style network (VGG16, VGG19, your own): classes, every hidden layer, and Grad-CAM for a photo.",
        subcommands: [
            Gui.self, Predict.self, ActivationsCommand.self, Cam.self, IndexCommand.self, ExplainCommand.self,
            ScoreCommand.self, SanityCommand.self, FiltersCommand.self, Bench.self, WeightsCommand.self,
        ],
        defaultSubcommand: Gui.self
    )
}
