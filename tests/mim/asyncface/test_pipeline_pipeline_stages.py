"""Async twin of ``pipeline/test_pipeline_stages.py`` (see ``twin.py``)."""
from .twin import twin

_LOCAL_IMPORT = ("imports mim inside the test, so the twin cannot substitute its client (it "
                 "would run the sync face again)")

twin(globals(), "pipeline.test_pipeline_stages", skip={
    "test_pipeline_via_client_aggregate":
        _LOCAL_IMPORT + " and would leave data on the shared default server; aggregate on "
        "the async face: test_async_face.py::test_crud_cursor_and_aggregate",
    "test_replace_root_spec_is_idl_parsed": _LOCAL_IMPORT,
    "test_project_rejects_positional_projection": _LOCAL_IMPORT,
})
