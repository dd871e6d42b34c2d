"""Tools for the kata's authors: mutation testing (`python noxfile.py -s mutants`) and fuzzing
(`python noxfile.py -s fuzz`).

Nothing in the grading path imports this package; its sessions install what it needs
(cosmic-ray, schemathesis) on top of the kata's dependencies.
"""
