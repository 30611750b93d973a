"""Where the domain's state is kept: tables, the unit of work, repositories, the outbox and
the migrations."""
