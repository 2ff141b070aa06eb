"""Files that respondents upload (XLSForm `image`, `audio`, `video`, `file` questions), kept outside the database.

- `sniffing.py`: which kinds of content each question type accepts (narrowed by the question's `accept`), told
  from the content itself (the `filetype` library), never from the name or the declared type;
- `errors.py`: `UploadError`, its messages in Spanish and English;
- `storage.py`: `store_upload` (streamed to disk under CRM_UPLOAD_DIR, size-limited while it arrives; returns
  the opaque key the Answer stores), `open_upload`, `delete_upload`, `is_upload_key`;
- `cleanup.py`: files go when their answers go (ORM session events, after the commit) and an hourly sweep of
  files no answer refers to (`purge_orphan_uploads`: bulk deletes, database cascades, abandoned submissions);
- `access.py` and `views.py`: the staff download (audited) and `upload_url` for exports;
- `web.py`: the respondent page's part (surveys.respond.views): files read from a POST, stored once every other
  check passes, keys carried between field-list pages in signed hidden inputs, what the file inputs show.

A layer of its own inside `surveys`: above the base modules, below `respond` and `responses`.
"""
