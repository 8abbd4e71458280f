import ConvEngine

extension AppState {
    /// The filter controls' choice, as the settings keep it.
    var filterChoice: Settings.FilterChoice {
        Settings.FilterChoice(
            method: filterMethod, lucidSize: lucidSettings.size, lucidSteps: lucidSettings.steps,
            plainSize: filterSettings.size, plainSteps: filterSettings.steps)
    }

    /// Takes a saved choice; a size or a step count the controls don't offer (an edited file) keeps the default.
    mutating func apply(_ f: Settings.FilterChoice) {
        filterMethod = f.method
        let sizes = FiltersView.sizes
        if sizes.contains(f.lucidSize) { lucidSettings.size = f.lucidSize }
        if FiltersView.steps(.lucid).contains(f.lucidSteps) { lucidSettings.steps = f.lucidSteps }
        if sizes.contains(f.plainSize) { filterSettings.size = f.plainSize }
        if FiltersView.steps(.plain).contains(f.plainSteps) { filterSettings.steps = f.plainSteps }
    }
}
