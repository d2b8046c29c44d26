from baitwatch.cli import main

raise SystemExit(main())
