"""Pipeline: the stage API (:mod:`bigmath.pipeline.stage`), built-in stages and the engine."""
