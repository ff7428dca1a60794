from allocator.cli import main

raise SystemExit(main())
