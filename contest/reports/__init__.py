"""Reports: result tables and exports, item analysis, competence profiles, participation and certificates.

Everything here reads the system of record (attempts and answers in the database), never the Redis
boards, so a report is the same whether or not a board was frozen or rebuilt."""
