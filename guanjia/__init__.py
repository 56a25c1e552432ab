"""Guanjia (管家): the service operation of a property-management company."""

import pydantic

# Every pydantic model (our API schemas and the parameter and response models django-ninja makes for
# each of the ~300 operations) builds its validator and serializer on first use, not at import: a
# worker holds only those of the operations it has served (−44 MB of a worker's memory at start,
# benchmarks/memory.py). Set here, before django-ninja is imported, so its own bases inherit it; the
# models behave the same once built.
pydantic.BaseModel.model_config["defer_build"] = True
