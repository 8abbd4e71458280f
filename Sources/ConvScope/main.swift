ConvScopeCommand.main()
