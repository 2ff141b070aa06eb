"""Staff records (issue 18): year defaults, sortable lists, the person picker, attendance by network or list."""
