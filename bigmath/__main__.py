from bigmath.cli import main

main()
