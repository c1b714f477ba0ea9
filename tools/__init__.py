from . import file_types
