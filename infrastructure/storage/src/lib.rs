//! object_store adapter for the image-storage port, chosen by URL.
