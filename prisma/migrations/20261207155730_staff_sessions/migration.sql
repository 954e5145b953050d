-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Resident" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "displayName" TEXT,
    "lang" TEXT NOT NULL DEFAULT 'zh-CN',
    "role" TEXT NOT NULL DEFAULT 'resident',
    "regionId" TEXT,
    "phone" TEXT,
    "optedOut" BOOLEAN NOT NULL DEFAULT false,
    "consentAt" DATETIME,
    "consentDeclinedAt" DATETIME,
    "deletedAt" DATETIME,
    "sessionEpoch" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Resident_regionId_fkey" FOREIGN KEY ("regionId") REFERENCES "Region" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Resident" ("consentAt", "consentDeclinedAt", "createdAt", "deletedAt", "displayName", "id", "lang", "optedOut", "phone", "regionId", "role", "updatedAt") SELECT "consentAt", "consentDeclinedAt", "createdAt", "deletedAt", "displayName", "id", "lang", "optedOut", "phone", "regionId", "role", "updatedAt" FROM "Resident";
DROP TABLE "Resident";
ALTER TABLE "new_Resident" RENAME TO "Resident";
CREATE INDEX "Resident_role_idx" ON "Resident"("role");
CREATE INDEX "Resident_regionId_idx" ON "Resident"("regionId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
