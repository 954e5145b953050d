-- CreateTable
CREATE TABLE "LeafletLink" (
    "code" TEXT NOT NULL,
    "officerId" TEXT NOT NULL,
    "regionCode" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LeafletLink_pkey" PRIMARY KEY ("code")
);

-- CreateIndex
CREATE UNIQUE INDEX "LeafletLink_officerId_regionCode_key" ON "LeafletLink"("officerId", "regionCode");

-- AddForeignKey
ALTER TABLE "LeafletLink" ADD CONSTRAINT "LeafletLink_officerId_fkey" FOREIGN KEY ("officerId") REFERENCES "Resident"("id") ON DELETE CASCADE ON UPDATE CASCADE;
