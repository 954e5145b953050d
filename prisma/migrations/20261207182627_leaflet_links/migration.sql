-- CreateTable
CREATE TABLE "LeafletLink" (
    "code" TEXT NOT NULL PRIMARY KEY,
    "officerId" TEXT NOT NULL,
    "regionCode" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "LeafletLink_officerId_fkey" FOREIGN KEY ("officerId") REFERENCES "Resident" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "LeafletLink_officerId_regionCode_key" ON "LeafletLink"("officerId", "regionCode");
