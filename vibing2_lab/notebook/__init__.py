"""The notebook story: the record a `%%vibe` output carries (record), answering from records
offline (replay), projects to notebooks and back (export), re-running a notebook and comparing
its outputs (rerun), and the static rendering saved beside the record (render)."""
