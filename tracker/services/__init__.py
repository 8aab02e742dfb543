"""Operations that change or assemble stored data. They flush, never commit: the caller does."""
