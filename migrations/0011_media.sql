-- Hazard photos keep our own copy (the media store, named by sha256) besides the platform
-- reference, which is now only a cache for sending the photo again. Rows from before keep
-- NULLs: a platform reference only. ``unsaved`` marks a photo whose copy could not be made.

ALTER TABLE hazard_photos ADD COLUMN sha256 TEXT;
ALTER TABLE hazard_photos ADD COLUMN size INTEGER;
ALTER TABLE hazard_photos ADD COLUMN mime TEXT;
ALTER TABLE hazard_photos ADD COLUMN unsaved INTEGER NOT NULL DEFAULT 0;

-- A topic's photo (议题), posted to the staff groups: our copy, so any platform can show it.
ALTER TABLE topics ADD COLUMN photo_sha256 TEXT;
