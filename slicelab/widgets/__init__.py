"""ipywidgets on top of views: Stepper(timeline), Playground(cluster), SelfCheck(question).

Widgets hold a Timeline or a Cluster and ask views to draw it. Import from the submodules.
"""
